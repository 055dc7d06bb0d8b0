package org.containerj.transfer.impl;

import org.containerj.api.diff.Applier;
import org.containerj.api.snapshots.Snapshotter;

/**
 * One unpack of a transfer: manifests whose config's platform {@code platform} accepts are
 * unpacked into {@code snapshotterName} through {@code snapshots} (the namespace's view,
 * with the transfer's lease) by {@code applier}.
 */
record UnpackPlan(PlatformMatcher platform, String snapshotterName, Snapshotter snapshots, Applier applier) {
}
