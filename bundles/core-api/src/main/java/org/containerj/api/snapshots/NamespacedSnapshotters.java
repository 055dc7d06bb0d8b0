package org.containerj.api.snapshots;

/**
 * The snapshotters as clients see them (containerd's metadata snapshotter, the plugin
 * {@code io.containerd.service.v1} {@code snapshots-service}). Each namespace has its own
 * snapshot keys; underneath, the snapshotter plugin holds the snapshots of every
 * namespace under keys of the service's own making ({@code <namespace>/<n>/<key>}).
 *
 * <p>The views returned here implement every {@link Snapshotter} operation for one
 * namespace with containerd's errors: NOT_FOUND for a key the namespace does not have,
 * even when another namespace has it. A snapshotter that is not loaded is
 * INVALID_ARGUMENT ({@code snapshotter not loaded: X}); one whose plugin is gone for the
 * moment (its bundle stopped or being updated) is UNAVAILABLE naming the plugin. The
 * snapshotter is looked up on every call, never held.
 */
public interface NamespacedSnapshotters {

    /** The snapshots of {@code namespace} on {@code snapshotter} (a plugin id such as {@code overlayfs}), held by no lease. */
    default Snapshotter forNamespace(String snapshotter, String namespace) {
        return forNamespace(snapshotter, namespace, null);
    }

    /**
     * The snapshots of {@code namespace} on {@code snapshotter}. Snapshots created or
     * committed through the view are added to {@code lease} (null or empty for none), as
     * containerd does for the lease of the calling context; creating fails with NOT_FOUND
     * when that lease does not exist. INVALID_ARGUMENT for a malformed namespace.
     */
    Snapshotter forNamespace(String snapshotter, String namespace, String lease);
}
