/**
 * What gRPC service bundles need from the API server: the namespace of the call being
 * served, and the mapping of containerj errors to gRPC statuses.
 */
@Export
@Version("1.1.0")
package org.containerj.server;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
