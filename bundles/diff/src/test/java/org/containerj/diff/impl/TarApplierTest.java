package org.containerj.diff.impl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import org.apache.commons.compress.archivers.tar.TarConstants;
import org.containerj.api.errdefs.ContainerjException;
import org.containerj.api.errdefs.ErrorKind;
import org.containerj.nativeio.LibC;
import org.containerj.nativeio.Stat;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Layer tars applied onto a directory: what they create, delete, and may never touch. */
class TarApplierTest {
    private static final LinkOption NOFOLLOW = LinkOption.NOFOLLOW_LINKS;

    @TempDir
    Path sandbox;
    /** The apply target; everything else in the sandbox must stay as it was. */
    private Path root;
    private Path outside;
    private Map<String, String> before;

    @BeforeEach
    void setUp() throws IOException {
        root = Files.createDirectory(sandbox.resolve("root"));
        outside = Files.createDirectory(sandbox.resolve("outside"));
        Files.writeString(outside.resolve("victim"), "untouched");
        Files.createDirectories(sandbox.resolve("etc"));
        Files.writeString(sandbox.resolve("etc/passwd"), "sandbox passwd");
        before = snapshot(sandbox, root);
    }

    /** Every path under {@code dir} but not under {@code except}, with its type and content. */
    private static Map<String, String> snapshot(Path dir, Path except) throws IOException {
        Map<String, String> m = new TreeMap<>();
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                if (p.startsWith(except)) {
                    continue;
                }
                String v = Files.isSymbolicLink(p) ? "link " + Files.readSymbolicLink(p)
                        : Files.isDirectory(p, NOFOLLOW) ? "dir" : "file " + Files.readString(p);
                m.put(dir.relativize(p).toString(), v);
            }
        }
        return m;
    }

    private void assertNothingOutside() throws IOException {
        assertEquals(before, snapshot(sandbox, root), "the tree outside the root changed");
        assertEquals("untouched", Files.readString(outside.resolve("victim")));
        assertFalse(Files.readString(Path.of("/etc/passwd")).contains("pwned"));
    }

    private static ContainerjException assertRejected(ErrorKind kind, Runnable apply) {
        ContainerjException e = assertThrows(ContainerjException.class, apply::run);
        assertEquals(kind, e.kind(), e.getMessage());
        return e;
    }

    @Test
    void regularFilesDirectoriesModesTimesAndLinks() throws Exception {
        Tars t = new Tars().dir("bin/", 0755).file("bin/tool", 04755, "#!/bin/sh\n").dir("etc/", 0750)
                .file("etc/conf", 0600, "a=b").symlink("etc/link", "conf").symlink("abs", "/etc/conf")
                .hardlink("bin/tool2", "bin/tool").file("./dot/slash", 0644, "x");
        long size = TarApplier.apply(t.stream(), root);

        assertEquals(10 + 3 + 1, size);
        assertEquals("#!/bin/sh\n", Files.readString(root.resolve("bin/tool")));
        assertEquals(04755, LibC.lstat(root.resolve("bin/tool")).permissions());
        assertEquals(0750, LibC.lstat(root.resolve("etc")).permissions());
        assertEquals(0600, LibC.lstat(root.resolve("etc/conf")).permissions());
        assertEquals(Path.of("conf"), Files.readSymbolicLink(root.resolve("etc/link")));
        assertEquals(Path.of("/etc/conf"), Files.readSymbolicLink(root.resolve("abs")));
        assertEquals(LibC.lstat(root.resolve("bin/tool")).ino(), LibC.lstat(root.resolve("bin/tool2")).ino());
        assertEquals(Tars.MTIME, Files.getLastModifiedTime(root.resolve("etc/conf")).toInstant());
        assertEquals(Tars.MTIME, Files.getLastModifiedTime(root.resolve("etc"), NOFOLLOW).toInstant());
        assertEquals(Tars.MTIME, Files.getLastModifiedTime(root.resolve("etc/link"), NOFOLLOW).toInstant());
        assertEquals("x", Files.readString(root.resolve("dot/slash")));
        assertNothingOutside();
    }

    @Test
    void withDetachedParentsAnImplicitDirectoryFailsTheApply() throws Exception {
        ContainerjException e = assertThrows(ContainerjException.class, () -> TarApplier.apply(
                new Tars().file("tmp/made-implicitly", 0644, "x").stream(), root, TarApplier.Whiteouts.OVERLAY,
                List.of(), true));
        assertEquals(ErrorKind.FAILED_PRECONDITION, e.kind());

        TarApplier.apply(new Tars().dir("tmp/", 01777).file("tmp/explicit", 0644, "x").stream(), root,
                TarApplier.Whiteouts.OVERLAY, List.of(), true);
        assertEquals(01777, LibC.lstat(root.resolve("tmp")).permissions());
    }

    @Test
    void ownershipDevicesAndXattrsAsRoot() throws Exception {
        Tars t = new Tars().file("owned", 0640, "o", e -> {
            e.setUserId(1234);
            e.setGroupId(5678);
            e.addPaxHeader("SCHILY.xattr.trusted.containerj", "value");
        }).device("dev/null", TarConstants.LF_CHR, 0666, 1, 3).device("fifo", TarConstants.LF_FIFO, 0600, 0, 0)
                .symlink("owned-link", "owned");
        TarApplier.apply(t.stream(), root);

        Stat owned = LibC.lstat(root.resolve("owned"));
        assertEquals(1234, owned.uid());
        assertEquals(5678, owned.gid());
        assertEquals(0640, owned.permissions());
        assertArrayEquals("value".getBytes(StandardCharsets.UTF_8),
                LibC.getXattr(root.resolve("owned"), "trusted.containerj"));
        Stat dev = LibC.lstat(root.resolve("dev/null"));
        assertEquals(Stat.S_IFCHR, dev.type());
        assertEquals(TarApplier.makedev(1, 3), dev.rdev());
        assertEquals(Stat.S_IFIFO, LibC.lstat(root.resolve("fifo")).type());
    }

    @Test
    void whiteoutsAndOpaqueDirectoriesOverAnExistingTree() throws Exception {
        TarApplier.apply(new Tars().dir("a/", 0755).file("a/keep", 0644, "k").file("a/gone", 0644, "g")
                .dir("a/sub/", 0755).file("a/sub/deep", 0644, "d").dir("o/", 0755).file("o/old", 0644, "old")
                .stream(), root);

        TarApplier.apply(new Tars().file("a/.wh.gone", 0644, "").file("a/.wh.sub", 0644, "")
                .dir("o/", 0755).file("o/new", 0644, "new").file("o/.wh..wh..opq", 0644, "")
                .file("a/.wh.never-existed", 0644, "").stream(), root);

        assertTrue(Files.exists(root.resolve("a/keep")));
        assertFalse(Files.exists(root.resolve("a/gone"), NOFOLLOW));
        assertFalse(Files.exists(root.resolve("a/sub"), NOFOLLOW));
        assertFalse(Files.exists(root.resolve("a/.wh.gone"), NOFOLLOW));
        assertFalse(Files.exists(root.resolve("o/old"), NOFOLLOW));
        assertEquals("new", Files.readString(root.resolve("o/new")));
        assertFalse(Files.exists(root.resolve("o/.wh..wh..opq"), NOFOLLOW));
        assertNothingOutside();
    }

    @Test
    void anOpaqueMarkerAfterTheLayersOwnEntriesKeepsThem() throws Exception {
        TarApplier.apply(new Tars().dir("o/", 0755).file("o/old", 0644, "old").stream(), root);
        TarApplier.apply(new Tars().file("o/sub/new", 0644, "new").file("o/top", 0644, "top")
                .file("o/.wh..wh..opq", 0644, "").stream(), root);

        assertEquals("new", Files.readString(root.resolve("o/sub/new")));
        assertEquals("top", Files.readString(root.resolve("o/top")));
        assertFalse(Files.exists(root.resolve("o/old"), NOFOLLOW));
    }

    @Test
    void overlayUpperDirectoriesGetOverlayWhiteouts() throws Exception {
        Path lower = Files.createDirectory(sandbox.resolve("lower"));
        Files.createDirectories(lower.resolve("d/o"));
        Files.writeString(lower.resolve("d/file"), "lower");
        Files.setAttribute(lower.resolve("d"), "unix:mode", 0711);
        before = snapshot(sandbox, root);

        TarApplier.apply(new Tars().file("d/.wh.file", 0644, "").dir("d/o/", 0755).file("d/o/.wh..wh..opq", 0644, "")
                .stream(), root, TarApplier.Whiteouts.OVERLAY, List.of(lower));

        Stat whiteout = LibC.lstat(root.resolve("d/file"));
        assertEquals(Stat.S_IFCHR, whiteout.type());
        assertEquals(0, whiteout.rdev());
        assertArrayEquals(new byte[] {'y'}, LibC.getXattr(root.resolve("d/o"), "trusted.overlay.opaque"));
        assertEquals(0711, LibC.lstat(root.resolve("d")).permissions(), "parent made like the lower one");
        assertEquals("lower", Files.readString(lower.resolve("d/file")));
        assertNothingOutside();
    }

    @Test
    void anExistingSymlinkIsReplacedNotWrittenThrough() throws Exception {
        Files.createSymbolicLink(root.resolve("evil"), outside.resolve("victim"));
        Files.createSymbolicLink(root.resolve("evildir"), outside);
        TarApplier.apply(new Tars().file("evil", 0644, "pwned").dir("evildir/", 0755).file("evildir/victim", 0644,
                "pwned").stream(), root);

        assertEquals("pwned", Files.readString(root.resolve("evil"), StandardCharsets.UTF_8));
        assertFalse(Files.isSymbolicLink(root.resolve("evil")));
        assertTrue(Files.isDirectory(root.resolve("evildir"), NOFOLLOW));
        assertNothingOutside();
    }

    @Test
    void dotDotTraversalIsRejected() throws Exception {
        ContainerjException e = assertRejected(ErrorKind.INVALID_ARGUMENT,
                () -> TarApplier.apply(new Tars().file("../../etc/x", 0644, "pwned").stream(), root));
        assertTrue(e.getMessage().contains("path escapes from parent"), e.getMessage());
        assertRejected(ErrorKind.INVALID_ARGUMENT,
                () -> TarApplier.apply(new Tars().file("a/../../outside/victim", 0644, "pwned").stream(), root));
        assertRejected(ErrorKind.INVALID_ARGUMENT,
                () -> TarApplier.apply(new Tars().file("../.wh.outside", 0644, "").stream(), root));
        assertNothingOutside();
        assertTrue(Files.exists(outside));
    }

    @Test
    void absolutePathsAreRejected() throws Exception {
        ContainerjException e = assertRejected(ErrorKind.INVALID_ARGUMENT,
                () -> TarApplier.apply(new Tars().file("/etc/passwd", 0644, "pwned").stream(), root));
        assertTrue(e.getMessage().contains("path escapes from parent"), e.getMessage());
        assertNothingOutside();
    }

    @Test
    void aSymlinkToTheHostRootStaysInsideTheRoot() throws Exception {
        TarApplier.apply(new Tars().symlink("a", "/").file("a/etc/passwd", 0644, "pwned").symlink("u", "../../..")
                .file("u/etc/shadow", 0644, "pwned").stream(), root);

        assertEquals("pwned", Files.readString(root.resolve("etc/passwd")));
        assertEquals("pwned", Files.readString(root.resolve("etc/shadow")));
        assertNothingOutside();
    }

    @Test
    void aSymlinkToDotDotIsScopedToTheRoot() throws Exception {
        TarApplier.apply(new Tars().dir("d/", 0755).symlink("d/up", "..").symlink("d/upup", "../..")
                .file("d/up/x", 0644, "one").file("d/upup/outside/victim", 0644, "pwned").stream(), root);

        assertEquals("one", Files.readString(root.resolve("x")));
        assertEquals("pwned", Files.readString(root.resolve("outside/victim")));
        assertNothingOutside();
    }

    @Test
    void whiteoutsThroughSymlinksStayInsideTheRoot() throws Exception {
        Files.createDirectories(root.resolve("etc"));
        Files.writeString(root.resolve("etc/passwd"), "in root");
        TarApplier.apply(new Tars().symlink("h", "/").file("h/etc/.wh.passwd", 0644, "").symlink("o", "../outside")
                .file("o/.wh.victim", 0644, "").file("o/.wh..wh..opq", 0644, "").stream(), root);

        assertFalse(Files.exists(root.resolve("etc/passwd")));
        assertNothingOutside();
        assertTrue(Files.exists(Path.of("/etc/passwd")));
    }

    @Test
    void hardLinksOutsideTheRootAreRejected() throws Exception {
        ContainerjException e = assertRejected(ErrorKind.INVALID_ARGUMENT,
                () -> TarApplier.apply(new Tars().hardlink("passwd", "/etc/passwd").stream(), root));
        assertTrue(e.getMessage().contains("escapes"), e.getMessage());
        assertRejected(ErrorKind.INVALID_ARGUMENT,
                () -> TarApplier.apply(new Tars().hardlink("victim", "../outside/victim").stream(), root));
        // through a symlink, the link resolves inside the root, where there is no passwd
        assertRejected(ErrorKind.INVALID_ARGUMENT,
                () -> TarApplier.apply(new Tars().symlink("s", "/").hardlink("passwd", "s/etc/passwd").stream(), root));
        assertFalse(Files.exists(root.resolve("passwd"), NOFOLLOW));
        assertFalse(Files.exists(root.resolve("victim"), NOFOLLOW));
        assertEquals(1, LibC.lstat(outside.resolve("victim")).nlink());
        assertNothingOutside();
    }

    @Test
    void aHardLinkToASymlinkLinksTheSymlinkItself() throws Exception {
        TarApplier.apply(new Tars().symlink("s", "/etc/passwd").hardlink("h", "s").stream(), root);
        assertTrue(Files.isSymbolicLink(root.resolve("h")));
        assertEquals(Path.of("/etc/passwd"), Files.readSymbolicLink(root.resolve("h")));
        assertNothingOutside();
    }

    @Test
    void veryLongNames() throws Exception {
        String deep = ("d".repeat(200) + "/").repeat(20) + "file";
        TarApplier.apply(new Tars().file(deep, 0644, "deep").stream(), root);
        assertEquals("deep", Files.readString(root.resolve(deep)));

        String tooLong = "x".repeat(300);
        assertRejected(ErrorKind.UNKNOWN, () -> TarApplier.apply(new Tars().file(tooLong, 0644, "x").stream(), root));
        String escaping = "../".repeat(500) + "etc/passwd";
        assertRejected(ErrorKind.INVALID_ARGUMENT,
                () -> TarApplier.apply(new Tars().file(escaping, 0644, "pwned").stream(), root));
        assertNothingOutside();
    }

    @Test
    void symlinkLoopsFailCleanly() throws Exception {
        assertRejected(ErrorKind.INVALID_ARGUMENT, () -> TarApplier.apply(
                new Tars().symlink("l1", "l2").symlink("l2", "l1").file("l1/x", 0644, "x").stream(), root));
        assertNothingOutside();
    }

    @Test
    void aMalformedTarIsAnError() throws Exception {
        byte[] tar = new Tars().file("f", 0644, "content").bytes();
        byte[] broken = java.util.Arrays.copyOf(tar, 700);
        ContainerjException e = assertThrows(ContainerjException.class,
                () -> TarApplier.apply(new java.io.ByteArrayInputStream(broken), root));
        assertTrue(e.kind() == ErrorKind.UNKNOWN || e.kind() == ErrorKind.INVALID_ARGUMENT, e.toString());
        assertNothingOutside();
    }
}
