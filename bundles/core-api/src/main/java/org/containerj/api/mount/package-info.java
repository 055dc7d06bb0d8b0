/** Mounts as snapshotters describe them and runtimes perform them. */
@Export
@Version("1.0.0")
package org.containerj.api.mount;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
