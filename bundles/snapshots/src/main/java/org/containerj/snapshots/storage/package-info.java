/**
 * What the snapshotter bundles share: the small crash-safe store in which a snapshotter
 * keeps its own snapshots ({@link org.containerj.snapshots.storage.SnapshotStore}, the
 * part containerd's {@code snapshots/storage} plays on its {@code metadata.db}), the disk
 * usage of a tree counted as containerd counts it, the filter fields of a snapshot, and
 * removal of directory trees that stops at mount points.
 */
@Export
@Version("1.2.0")
package org.containerj.snapshots.storage;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
