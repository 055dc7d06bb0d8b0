/** The error vocabulary shared by every plugin, each kind carrying the gRPC status code containerd's errdefs maps it to. */
@Export
@Version("1.0.0")
package org.containerj.api.errdefs;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
