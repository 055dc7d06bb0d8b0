package org.containerj.api.transfer;

/**
 * Where to unpack the layers of a pulled or imported image: the image manifest for
 * {@code platform} (null: the daemon's own platform) into {@code snapshotter} (empty:
 * the transfer plugin's default, overlayfs unless configured otherwise).
 */
public record UnpackTarget(Platform platform, String snapshotter) {

    public UnpackTarget {
        snapshotter = snapshotter == null ? "" : snapshotter;
    }

    /** The daemon's platform into {@code snapshotter} (empty for the default). */
    public static UnpackTarget into(String snapshotter) {
        return new UnpackTarget(null, snapshotter);
    }
}
