package org.containerj.snapshots.storage;

import java.util.List;
import java.util.Optional;

import org.containerj.api.snapshots.SnapshotInfo;
import org.containerj.api.snapshots.SnapshotKind;
import org.containerj.filters.FieldSource;

/**
 * The fields a snapshot filter can name, as containerd adapts a snapshot:
 * {@code name}, {@code parent}, {@code kind} ({@code active}, {@code view} or
 * {@code committed}) and {@code labels.KEY}.
 */
public final class SnapshotFields {
    private SnapshotFields() {
    }

    public static FieldSource of(SnapshotInfo info) {
        return path -> field(info, path);
    }

    /** containerd's lower-case name of a kind in filters; empty for UNKNOWN. */
    public static String kindName(SnapshotKind kind) {
        return switch (kind) {
            case ACTIVE -> "active";
            case VIEW -> "view";
            case COMMITTED -> "committed";
            case UNKNOWN -> "";
        };
    }

    private static Optional<String> field(SnapshotInfo info, List<String> path) {
        if (path.isEmpty()) {
            return Optional.empty();
        }
        return switch (path.get(0)) {
            case "name" -> Optional.of(info.name());
            case "parent" -> Optional.of(info.parent());
            case "kind" -> info.kind() == SnapshotKind.UNKNOWN ? Optional.empty() : Optional.of(kindName(info.kind()));
            case "labels" -> path.size() < 2 ? Optional.empty()
                    : Optional.ofNullable(info.labels().get(String.join(".", path.subList(1, path.size()))));
            default -> Optional.empty();
        };
    }
}
