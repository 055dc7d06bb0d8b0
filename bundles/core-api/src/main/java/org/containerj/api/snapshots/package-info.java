/** Snapshotters: layered filesystems prepared, committed and mounted by key. */
@Export
@Version("1.2.0")
package org.containerj.api.snapshots;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
