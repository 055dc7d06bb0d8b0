package org.containerj.snapshotter.btrfs.impl;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.containerj.nativeio.ErrnoException;
import org.containerj.nativeio.LibC;
import org.containerj.nativeio.MountFlags;

/**
 * A btrfs file system in a 256 MiB image file on a loop device, mounted in a temporary
 * directory: made by the test itself, and taken down by {@link #close()} (unmount,
 * detach the loop device, delete the image) however far setting it up got.
 */
final class LoopBtrfs implements AutoCloseable {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    private final Path image;
    private final Path mountPoint;
    private String device;
    private boolean mounted;

    private LoopBtrfs(Path dir) {
        this.image = dir.resolve("btrfs.img");
        this.mountPoint = dir.resolve("mnt");
    }

    /** Sets one up under {@code dir}; on failure nothing is left behind and the exception says why. */
    static LoopBtrfs create(Path dir) throws Exception {
        LoopBtrfs fs = new LoopBtrfs(dir);
        try {
            try (RandomAccessFile f = new RandomAccessFile(fs.image.toFile(), "rw")) {
                f.setLength(256L << 20);
            }
            Command.run(TIMEOUT, List.of("mkfs.btrfs", "-q", fs.image.toString()));
            fs.device = Command.run(TIMEOUT, List.of("losetup", "--find", "--show", fs.image.toString())).strip();
            Files.createDirectories(fs.mountPoint);
            LibC.mount(fs.device, fs.mountPoint, "btrfs", 0, null);
            fs.mounted = true;
            return fs;
        } catch (Exception | Error e) {
            try {
                fs.close();
            } catch (Exception cleanup) {
                e.addSuppressed(cleanup);
            }
            throw e;
        }
    }

    Path mountPoint() {
        return mountPoint;
    }

    String device() {
        return device;
    }

    @Override
    public void close() throws IOException {
        List<Exception> failures = new ArrayList<>();
        if (mounted) {
            try {
                LibC.unmount(mountPoint, 0);
            } catch (ErrnoException busy) {
                try {
                    LibC.unmount(mountPoint, MountFlags.MNT_DETACH);
                } catch (ErrnoException e) {
                    failures.add(e);
                }
            }
            mounted = false;
        }
        if (device != null) {
            try {
                Command.run(TIMEOUT, List.of("losetup", "-d", device));
            } catch (RuntimeException e) {
                failures.add(e);
            }
            device = null;
        }
        Files.deleteIfExists(image);
        if (!failures.isEmpty()) {
            IOException e = new IOException("tearing down the loop btrfs left something behind");
            failures.forEach(e::addSuppressed);
            throw e;
        }
    }
}
