package org.containerj.snapshots.storage;

import java.util.List;

import org.containerj.api.snapshots.SnapshotKind;

/**
 * An active snapshot or view as a snapshotter needs it to build mounts: its id, kind,
 * and the ids of its committed ancestors, nearest first (the overlay lowerdir order).
 */
public record StoredSnapshot(long id, SnapshotKind kind, List<Long> parentIds) {

    public StoredSnapshot {
        parentIds = List.copyOf(parentIds);
    }

    public String idString() {
        return Long.toString(id);
    }
}
