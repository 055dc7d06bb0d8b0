/**
 * Namespaces: the names that isolate images, containers, leases and snapshots from one
 * another, with labels of their own (containerd's {@code namespaces.Store}).
 */
@Export
@Version("1.0.0")
package org.containerj.api.namespaces;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
