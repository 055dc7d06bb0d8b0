package org.containerj.api.snapshots;

import java.time.Instant;
import java.util.Map;

/** What a snapshotter knows of one snapshot; {@code parent} is empty for a base. */
public record SnapshotInfo(String name, String parent, SnapshotKind kind, Map<String, String> labels,
        Instant createdAt, Instant updatedAt) {
    public SnapshotInfo {
        parent = parent == null ? "" : parent;
        labels = Map.copyOf(labels);
    }
}
