package org.containerj.snapshotter.overlay.impl;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import org.containerj.api.plugin.PluginSkippedException;
import org.containerj.nativeio.ErrnoException;
import org.containerj.nativeio.LibC;
import org.containerj.nativeio.MountFlags;
import org.containerj.snapshots.storage.FileTrees;

/**
 * Whether overlayfs works in a directory, found out as containerd does: by mounting a
 * two-layer overlay in a scratch directory there and unmounting it again.
 */
final class OverlaySupport {
    private OverlaySupport() {
    }

    /** Returns normally when overlay mounts work under {@code root}; PluginSkippedException saying why not. */
    static void check(Path root) {
        Path scratch = null;
        try {
            if (!Files.isDirectory(root)) {
                Files.createDirectories(root, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            }
            scratch = Files.createTempDirectory(root, "overlay-check-");
            Path lower1 = Files.createDirectory(scratch.resolve("lower1"));
            Path lower2 = Files.createDirectory(scratch.resolve("lower2"));
            Path upper = Files.createDirectory(scratch.resolve("upper"));
            Path work = Files.createDirectory(scratch.resolve("work"));
            Path merged = Files.createDirectory(scratch.resolve("merged"));
            String data = "lowerdir=" + lower2 + ":" + lower1 + ",upperdir=" + upper + ",workdir=" + work;
            LibC.mount("overlay", merged, "overlay", 0, data);
            try {
                LibC.unmount(merged, 0);
            } catch (ErrnoException e) {
                LibC.unmount(merged, MountFlags.MNT_DETACH);
            }
        } catch (ErrnoException e) {
            throw new PluginSkippedException("overlayfs snapshotter cannot be enabled for \"" + root
                    + "\", a test overlay mount failed: " + e.getMessage());
        } catch (IOException | RuntimeException e) {
            throw new PluginSkippedException("overlayfs snapshotter cannot be enabled for \"" + root + "\": " + e);
        } finally {
            if (scratch != null) {
                try {
                    FileTrees.deleteTree(scratch);
                } catch (IOException ignored) {
                    // a leftover scratch directory is harmless and removed by cleanup
                }
            }
        }
    }
}
