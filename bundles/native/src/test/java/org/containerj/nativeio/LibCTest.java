package org.containerj.nativeio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LibCTest {

    @TempDir
    Path dir;

    @Test
    void identityMatchesTheProcess() {
        assertEquals(ProcessHandle.current().pid(), LibC.getpid());
        assertEquals(LibC.getuid(), LibC.geteuid());
        assertTrue(LibC.getgid() >= 0);
    }

    @Test
    void failingCallCarriesErrno() {
        Path missing = dir.resolve("missing");
        ErrnoException e = assertThrows(ErrnoException.class, () -> LibC.chown(missing, -1, -1));
        assertEquals(2, e.errno());
        assertEquals("ENOENT", e.errnoName());
        assertTrue(e.getMessage().startsWith("chown " + missing + ": ENOENT"), e.getMessage());
    }

    @Test
    void chownChangesOwnerAsRoot() throws IOException {
        assumeTrue(LibC.geteuid() == 0, "needs root");
        Path file = Files.createFile(dir.resolve("f"));
        LibC.chown(file, 1234, 5678);
        PosixFileAttributes attrs = Files.readAttributes(file, PosixFileAttributes.class);
        assertEquals("1234", attrs.owner().getName());
        assertEquals("5678", attrs.group().getName());

        Path link = Files.createSymbolicLink(dir.resolve("l"), file);
        LibC.lchown(link, 42, 43);
        assertEquals(1234, (int) Files.getAttribute(file, "unix:uid"));
        assertEquals(42, (int) Files.getAttribute(link, "unix:uid", java.nio.file.LinkOption.NOFOLLOW_LINKS));
    }

    @Test
    void mountsAndUnmountsTmpfs() throws IOException {
        assumeTrue(LibC.geteuid() == 0, "needs root");
        Path target = Files.createDirectory(dir.resolve("mnt"));
        try {
            LibC.mount("containerj-test", target, "tmpfs", MountFlags.MS_NOSUID | MountFlags.MS_NODEV, "size=1m");
        } catch (ErrnoException e) {
            assumeTrue(false, "no CAP_SYS_ADMIN here: " + e.getMessage());
        }
        try {
            assertTrue(mounted(target));
            Files.writeString(target.resolve("x"), "y");
        } finally {
            LibC.unmount(target, 0);
        }
        assertFalse(mounted(target));
        assertFalse(Files.exists(target.resolve("x")));
    }

    @Test
    void unmountOfAPlainDirectoryFails() throws IOException {
        Path target = Files.createDirectory(dir.resolve("plain"));
        ErrnoException e = assertThrows(ErrnoException.class, () -> LibC.unmount(target, MountFlags.UMOUNT_NOFOLLOW));
        assertTrue(e.errno() == 22 || e.errno() == 1, e.getMessage()); // EINVAL as root, EPERM otherwise
    }

    private static boolean mounted(Path target) throws IOException {
        String t = target.toString();
        return Files.readAllLines(Path.of("/proc/self/mounts")).stream().anyMatch(l -> l.split(" ")[1].equals(t));
    }
}
