/**
 * Talking to image registries: references, resolving a name to a root descriptor,
 * fetching and pushing blobs and manifests (OCI distribution API v2).
 */
@Export
@Version("1.1.0")
package org.containerj.api.remotes;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
