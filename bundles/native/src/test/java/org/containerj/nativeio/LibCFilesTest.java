package org.containerj.nativeio;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LibCFilesTest {

    @TempDir
    Path dir;

    @Test
    void lstatDescribesTheFileItself() throws IOException {
        Path file = Files.write(dir.resolve("f"), new byte[10000]);
        Path link = Files.createSymbolicLink(dir.resolve("l"), file);
        Stat st = LibC.lstat(file);
        assertEquals(Stat.S_IFREG, st.type());
        assertEquals(10000, st.size());
        assertTrue(st.allocated() >= 10000, "blocks: " + st.blocks());
        assertEquals(((Number) Files.getAttribute(file, "unix:ino")).longValue(), st.ino());
        assertEquals(((Number) Files.getAttribute(file, "unix:dev")).longValue(), st.dev());
        assertEquals(1, st.nlink());
        assertEquals(Stat.S_IFLNK, LibC.lstat(link).type());
        ErrnoException e = assertThrows(ErrnoException.class, () -> LibC.lstat(dir.resolve("missing")));
        assertEquals("ENOENT", e.errnoName());
    }

    @Test
    void mknodMakesFifosAndDevices() throws IOException {
        Path fifo = dir.resolve("fifo");
        LibC.mknod(fifo, Stat.S_IFIFO | 0640, 0);
        assertEquals(Stat.S_IFIFO, LibC.lstat(fifo).type());
        assumeTrue(LibC.geteuid() == 0, "device nodes need root");
        Path nullDevice = dir.resolve("null");
        long rdev = LibC.lstat(Path.of("/dev/null")).rdev();
        LibC.mknod(nullDevice, Stat.S_IFCHR | 0666, rdev);
        Stat st = LibC.lstat(nullDevice);
        assertEquals(Stat.S_IFCHR, st.type());
        assertEquals(rdev, st.rdev());
        assertEquals(rdev, ((Number) Files.getAttribute(nullDevice, "unix:rdev", LinkOption.NOFOLLOW_LINKS)).longValue());
    }

    @Test
    void chmodAndTimesWorkOnFifosAndLinksWithoutOpeningThem() throws IOException {
        Path fifo = dir.resolve("fifo");
        LibC.mknod(fifo, Stat.S_IFIFO | 0600, 0);
        LibC.chmod(fifo, 02640);
        assertEquals(02640, LibC.lstat(fifo).permissions());
        LibC.setTimes(fifo, 1000, 5, 2000, 123456789);
        assertEquals(java.nio.file.attribute.FileTime.from(java.time.Instant.ofEpochSecond(2000, 123456789)),
                Files.getLastModifiedTime(fifo, LinkOption.NOFOLLOW_LINKS));
        Path link = Files.createSymbolicLink(dir.resolve("link"), fifo);
        LibC.setTimes(link, 1, 0, 3000, 0);
        assertEquals(3000, Files.getLastModifiedTime(link, LinkOption.NOFOLLOW_LINKS).toInstant().getEpochSecond());
        assertEquals(2000, Files.getLastModifiedTime(fifo, LinkOption.NOFOLLOW_LINKS).toInstant().getEpochSecond(),
                "the link itself, not its target");
    }

    @Test
    void openPathNamesADirectoryThroughProc() throws IOException {
        Files.writeString(dir.resolve("hello"), "hi");
        int fd = LibC.openPath(dir);
        try {
            assertEquals("hi", Files.readString(Path.of("/proc/self/fd/" + fd + "/hello")));
        } finally {
            LibC.close(fd);
        }
        assertThrows(ErrnoException.class, () -> LibC.close(fd));
    }

    @Test
    void extendedAttributesRoundTrip() throws IOException {
        Path file = Files.createFile(dir.resolve("x"));
        byte[] value = "value\0with nul".getBytes(StandardCharsets.UTF_8);
        try {
            LibC.setXattr(file, "user.containerj.test", value);
        } catch (ErrnoException e) {
            assumeTrue(false, "no user xattrs here: " + e.getMessage());
        }
        LibC.setXattr(file, "user.empty", new byte[0]);
        assertTrue(LibC.listXattrs(file).contains("user.containerj.test"), LibC.listXattrs(file).toString());
        assertArrayEquals(value, LibC.getXattr(file, "user.containerj.test"));
        assertArrayEquals(new byte[0], LibC.getXattr(file, "user.empty"));
        ErrnoException e = assertThrows(ErrnoException.class, () -> LibC.getXattr(file, "user.missing"));
        assertEquals("ENODATA", e.errnoName());
    }
}
