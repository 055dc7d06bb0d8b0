package org.containerj.snapshots.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.containerj.api.errdefs.ContainerjException;
import org.containerj.api.errdefs.ErrorKind;
import org.containerj.api.snapshots.SnapshotUsage;
import org.containerj.nativeio.LibC;
import org.containerj.nativeio.MountFlags;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DiskUsageTest {
    @TempDir
    Path dir;

    @Test
    void hardLinksCountOnceAndHolesNotAtAll() throws IOException {
        Path root = Files.createDirectory(dir.resolve("root"));
        Files.write(root.resolve("a"), new byte[100_000]);
        Files.createLink(root.resolve("b"), root.resolve("a"));
        Files.createSymbolicLink(root.resolve("l"), Path.of("/etc/passwd"));
        try (var ch = java.nio.channels.FileChannel.open(root.resolve("sparse"), java.nio.file.StandardOpenOption.CREATE,
                java.nio.file.StandardOpenOption.WRITE)) {
            ch.write(java.nio.ByteBuffer.wrap(new byte[] {1}), 50L << 20);
        }
        SnapshotUsage u = DiskUsage.of(root);
        assertEquals(4, u.inodes(), "root, a=b, l, sparse");
        long expected = LibC.lstat(root).allocated() + LibC.lstat(root.resolve("a")).allocated()
                + LibC.lstat(root.resolve("l")).allocated() + LibC.lstat(root.resolve("sparse")).allocated();
        assertEquals(expected, u.size());
        assertTrue(u.size() < 1 << 20, "the 50 MiB hole costs nothing: " + u.size());
        assertEquals(ErrorKind.NOT_FOUND,
                assertThrows(ContainerjException.class, () -> DiskUsage.of(dir.resolve("missing"))).kind());
    }

    @Test
    void deleteTreeStopsAtMountPoints() throws IOException {
        Path root = Files.createDirectories(dir.resolve("t/a/b"));
        Files.writeString(root.resolve("f"), "x");
        Files.createSymbolicLink(dir.resolve("t/link"), dir);
        assertTrue(FileTrees.deleteTree(dir.resolve("t")));
        assertFalse(Files.exists(dir.resolve("t")));
        assertTrue(Files.exists(dir), "symbolic links are not followed");
        assertTrue(FileTrees.deleteTree(dir.resolve("missing")));

        assumeTrue(LibC.geteuid() == 0, "mounting needs root");
        Path mounted = Files.createDirectories(dir.resolve("u/m"));
        LibC.mount("tmpfs", mounted, "tmpfs", MountFlags.MS_NOSUID, "size=1m");
        try {
            Files.writeString(mounted.resolve("keep"), "k");
            assertFalse(FileTrees.deleteTree(dir.resolve("u")));
            assertTrue(Files.exists(mounted.resolve("keep")), "nothing under the mount point was touched");
        } finally {
            LibC.unmount(mounted, MountFlags.MNT_DETACH);
        }
        assertTrue(FileTrees.deleteTree(dir.resolve("u")));
    }
}
