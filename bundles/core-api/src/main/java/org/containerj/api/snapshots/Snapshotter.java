package org.containerj.api.snapshots;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

import org.containerj.api.errdefs.ContainerjException;
import org.containerj.api.mount.Mount;

/**
 * A snapshotter (containerd's snapshots.Snapshotter), registered as a plugin of type
 * {@code io.containerd.snapshotter.v1}. Keys are opaque to it; the snapshot service
 * namespaces them before they arrive here. Errors: NOT_FOUND for an unknown key,
 * ALREADY_EXISTS for a key in use, FAILED_PRECONDITION for a wrong kind (committing a
 * view, removing a parent).
 */
public interface Snapshotter {
    SnapshotInfo stat(String key);

    /** Updates the fields named in {@code fieldPaths} ({@code labels}, {@code labels.KEY}). */
    SnapshotInfo update(SnapshotInfo info, Set<String> fieldPaths);

    SnapshotUsage usage(String key);

    /** The mounts of an active snapshot or view. */
    List<Mount> mounts(String key);

    /** Creates a writable snapshot on top of {@code parent} (empty for none). */
    List<Mount> prepare(String key, String parent, Map<String, String> labels);

    /** Creates a read-only view of {@code parent}. */
    List<Mount> view(String key, String parent, Map<String, String> labels);

    /** Turns active snapshot {@code key} into committed snapshot {@code name}. */
    void commit(String name, String key, Map<String, String> labels);

    /**
     * Label on a prepare without parent saying the snapshot will be committed onto a parent
     * later ({@link #commit(String, String, Map, String)}): a snapshotter that can rebase
     * returns mounts that record deletions as its layers do (overlayfs: whiteouts in the
     * upper directory) instead of deleting.
     */
    String REBASE_LABEL = "containerd.io/snapshot/rebase";

    /**
     * Whether {@link #commit(String, String, Map, String)} can set the parent of a snapshot
     * prepared without one (containerd 2.2's {@code rebase} capability): true only when a
     * layer applied without its lowers reads the same once stacked on them.
     */
    default boolean canRebase() {
        return false;
    }

    /**
     * Commits active snapshot {@code key} as {@code name} with its parent set to committed
     * snapshot {@code parent} (containerd 2.2's Commit with {@code WithParent}). An empty
     * parent is a plain commit. NOT_IMPLEMENTED unless {@link #canRebase()}; NOT_FOUND for a
     * missing parent, FAILED_PRECONDITION when {@code key} already has a different parent
     * or {@code parent} is not committed.
     */
    default void commit(String name, String key, Map<String, String> labels, String parent) {
        if (parent == null || parent.isEmpty()) {
            commit(name, key, labels);
            return;
        }
        throw ContainerjException.notImplemented("snapshotter cannot rebase %s onto %s: not implemented", key, parent);
    }

    void remove(String key);

    /** Calls {@code visitor} for each snapshot matching any of containerd's {@code filters}. */
    void walk(List<String> filters, Consumer<SnapshotInfo> visitor);

    /** Reclaims space of removed snapshots (containerd's Cleaner). */
    default void cleanup() {
    }
}
