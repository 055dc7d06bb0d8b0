package org.containerj.transfer.impl;

import java.time.Duration;

/**
 * The transfer plugin's configuration.
 *
 * @param maxConcurrentDownloads blobs a pull fetches at once (containerd: 3)
 * @param maxConcurrentUploads   blobs a push uploads at once (containerd: 3)
 * @param defaultSnapshotter     where unpacks go when the request names no snapshotter
 * @param stallTimeout           a fetch or upload with no progress for this long fails
 * @param leaseExpiry            how long the temporary lease of a transfer lasts if the daemon dies mid-way
 */
public record TransferSettings(int maxConcurrentDownloads, int maxConcurrentUploads, String defaultSnapshotter,
        Duration stallTimeout, Duration leaseExpiry) {

    public static final TransferSettings DEFAULTS = new TransferSettings(3, 3, "overlayfs", Duration.ofMinutes(5),
            Duration.ofHours(24));
}
