/**
 * containerj's own bindings to the C library (mount(2), umount2(2), chown(2), lstat(2),
 * mknod(2), extended attributes, ...) and the loader that makes lmdbjava's native LMDB
 * library usable inside OSGi.
 */
@Export
@Version("1.2.0")
package org.containerj.nativeio;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
