package org.containerj.snapshots.storage;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;

import org.containerj.api.snapshots.SnapshotInfo;
import org.containerj.api.snapshots.SnapshotKind;
import org.containerj.api.snapshots.SnapshotUsage;

/**
 * One snapshot as a snapshotter stores it: its numeric {@code id} (the name of its
 * directory or subvolume, never reused), key, kind, parent key (empty for none),
 * labels, times, and for a committed snapshot the usage measured when it was committed.
 */
public record SnapshotEntry(long id, String key, SnapshotKind kind, String parent, Map<String, String> labels,
        Instant created, Instant updated, SnapshotUsage usage) {

    public SnapshotEntry {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(kind, "kind");
        parent = parent == null ? "" : parent;
        labels = Map.copyOf(labels);
        Objects.requireNonNull(created, "created");
        Objects.requireNonNull(updated, "updated");
        usage = usage == null ? new SnapshotUsage(0, 0) : usage;
    }

    /** The id as a directory name. */
    public String idString() {
        return Long.toString(id);
    }

    public SnapshotInfo info() {
        return new SnapshotInfo(key, parent, kind, labels, created, updated);
    }
}
