package org.containerj.transfer.impl;

import java.time.Duration;

/**
 * The transfer plugin's configuration.
 *
 * @param maxConcurrentDownloads blobs a pull fetches at once (containerd: 3)
 * @param maxConcurrentUploads   blobs a push uploads at once (containerd: 3)
 * @param defaultSnapshotter     where unpacks go when the request names no snapshotter
 * @param stallTimeout           a fetch or upload with no progress for this long fails; null for the
 *                               registry client's own timeout (the transfer then watches with
 *                               {@link #BACKSTOP}, for what the registry client does not cover)
 * @param leaseExpiry            how long the temporary lease of a transfer lasts if the daemon dies mid-way
 * @param maxConcurrentUnpacks   layers one unpack applies at once on a snapshotter that can rebase; 1
 *                               unpacks strictly in order
 */
public record TransferSettings(int maxConcurrentDownloads, int maxConcurrentUploads, String defaultSnapshotter,
        Duration stallTimeout, Duration leaseExpiry, int maxConcurrentUnpacks) {

    /** Layers applied at once by default where the snapshotter can rebase. */
    public static final int DEFAULT_CONCURRENT_UNPACKS = 3;

    public TransferSettings(int maxConcurrentDownloads, int maxConcurrentUploads, String defaultSnapshotter,
            Duration stallTimeout, Duration leaseExpiry) {
        this(maxConcurrentDownloads, maxConcurrentUploads, defaultSnapshotter, stallTimeout, leaseExpiry,
                DEFAULT_CONCURRENT_UNPACKS);
    }

    /** The transfer's own stall bound when none is configured. */
    public static final Duration BACKSTOP = Duration.ofMinutes(5);

    public static final TransferSettings DEFAULTS = new TransferSettings(3, 3, "overlayfs", null, Duration.ofHours(24));

    /** What the transfer's own stall watch uses. */
    public Duration watchTimeout() {
        return stallTimeout == null ? BACKSTOP : stallTimeout;
    }
}
