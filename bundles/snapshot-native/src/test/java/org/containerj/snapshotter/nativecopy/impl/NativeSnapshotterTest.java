package org.containerj.snapshotter.nativecopy.impl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.containerj.api.errdefs.ContainerjException;
import org.containerj.api.errdefs.ErrorKind;
import org.containerj.api.mount.Mount;
import org.containerj.api.snapshots.SnapshotKind;
import org.containerj.api.snapshots.SnapshotUsage;
import org.containerj.nativeio.ErrnoException;
import org.containerj.nativeio.LibC;
import org.containerj.nativeio.Stat;
import org.containerj.snapshots.mount.LinuxMounter;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The native snapshotter: full copies, bind mounts (root needed for owners, devices and mounts). */
class NativeSnapshotterTest {
    /** A version 2 file capability: CAP_NET_RAW permitted and effective. */
    private static final byte[] CAP_NET_RAW = {0x01, 0x00, 0x00, 0x02, 0x00, 0x20, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00};

    @TempDir
    Path dir;
    private Path root;
    private NativeSnapshotter snapshotter;
    private final LinuxMounter mounter = new LinuxMounter();
    private final List<Path> mounted = new ArrayList<>();

    @BeforeEach
    void open() {
        assumeTrue(LibC.geteuid() == 0, "owners, devices and mounts need root");
        root = dir.resolve("io.containerd.snapshotter.v1.native");
        snapshotter = NativeSnapshotter.open(root);
    }

    @AfterEach
    void close() throws IOException {
        for (Path p : mounted) {
            mounter.unmountAll(p);
        }
        if (snapshotter != null) {
            snapshotter.close();
        }
        for (String line : Files.readAllLines(Path.of("/proc/self/mounts"))) {
            assertFalse(line.contains(dir.toString()), "mount left behind: " + line);
        }
    }

    private Path mount(List<Mount> mounts, String name) throws IOException {
        Path t = Files.createDirectories(dir.resolve(name));
        mounted.add(t);
        mounter.mountAll(mounts, t);
        return t;
    }

    private static ErrorKind kindOf(Runnable r) {
        return assertThrows(ContainerjException.class, r::run).kind();
    }

    private Path dir(long id) {
        return root.resolve("snapshots").resolve(Long.toString(id));
    }

    @Test
    void copyKeepsOwnersModesLinksDevicesXattrsAndTimes() throws IOException {
        List<Mount> base = snapshotter.prepare("a", "", Map.of());
        assertEquals(List.of(new Mount("bind", dir(1).toString(), List.of("rbind", "rw"))), base);
        Path fs = dir(1);
        Path bin = Files.createDirectories(fs.resolve("usr/bin"));
        Path ping = Files.writeString(bin.resolve("ping"), "#!/bin/sh\n");
        LibC.chown(ping, 0, 0);
        Files.setAttribute(ping, "unix:mode", 04755);
        Path owned = Files.writeString(fs.resolve("owned"), "o");
        LibC.chown(owned, 1234, 5678);
        Files.createLink(bin.resolve("ping6"), ping);
        Files.createSymbolicLink(fs.resolve("link"), Path.of("usr/bin/ping"));
        LibC.lchown(fs.resolve("link"), 42, 43);
        LibC.mknod(fs.resolve("fifo"), Stat.S_IFIFO | 0600, 0);
        long nullDevice = LibC.lstat(Path.of("/dev/null")).rdev();
        LibC.mknod(fs.resolve("null"), Stat.S_IFCHR | 0666, nullDevice);
        boolean xattrs = true;
        try {
            LibC.setXattr(owned, "user.note", "kept".getBytes(StandardCharsets.UTF_8));
            LibC.setXattr(ping, "security.capability", CAP_NET_RAW);
        } catch (ErrnoException e) {
            xattrs = false;
        }
        FileTime old = FileTime.fromMillis(1_000_000_000_000L);
        Files.setLastModifiedTime(owned, old);
        Files.setAttribute(fs.resolve("usr"), "unix:mode", 0750);
        Files.setLastModifiedTime(fs.resolve("usr"), old);
        snapshotter.commit("A", "a", Map.of());

        snapshotter.prepare("b", "A", Map.of());
        Path copy = dir(2); // committing keeps the id: A is 1, b is 2
        Stat pingCopy = LibC.lstat(copy.resolve("usr/bin/ping"));
        assertEquals(04755, pingCopy.permissions(), "set-user-ID survives the copy");
        assertEquals(pingCopy.ino(), LibC.lstat(copy.resolve("usr/bin/ping6")).ino(), "hard links stay linked");
        assertEquals(2, pingCopy.nlink());
        Stat ownedCopy = LibC.lstat(copy.resolve("owned"));
        assertEquals(1234, ownedCopy.uid());
        assertEquals(5678, ownedCopy.gid());
        assertEquals(old, Files.getLastModifiedTime(copy.resolve("owned")));
        assertEquals(old, Files.getLastModifiedTime(copy.resolve("usr")), "directory times are set after their entries");
        assertEquals(0750, LibC.lstat(copy.resolve("usr")).permissions());
        assertEquals(Path.of("usr/bin/ping"), Files.readSymbolicLink(copy.resolve("link")));
        assertEquals(42, LibC.lstat(copy.resolve("link")).uid());
        assertEquals(Stat.S_IFIFO, LibC.lstat(copy.resolve("fifo")).type());
        Stat nullCopy = LibC.lstat(copy.resolve("null"));
        assertEquals(Stat.S_IFCHR, nullCopy.type());
        assertEquals(nullDevice, nullCopy.rdev());
        if (xattrs) {
            assertArrayEquals("kept".getBytes(StandardCharsets.UTF_8), LibC.getXattr(copy.resolve("owned"), "user.note"));
            assertArrayEquals(CAP_NET_RAW, LibC.getXattr(copy.resolve("usr/bin/ping"), "security.capability"),
                    "file capabilities survive (they are set after chown, which clears them)");
        }
        Files.writeString(copy.resolve("owned"), "changed");
        assertEquals("o", Files.readString(fs.resolve("owned")), "a copy, not a link");
    }

    @Test
    void bindMountsReadWriteAndReadOnly() throws IOException {
        Path m = mount(snapshotter.prepare("a", "", Map.of()), "a");
        Files.writeString(m.resolve("f"), "1");
        mounter.unmountAll(m);
        snapshotter.commit("A", "a", Map.of());
        List<Mount> view = snapshotter.view("v", "A", Map.of());
        assertEquals(List.of(new Mount("bind", dir(1).toString(), List.of("rbind", "ro"))), view,
                "a view of a committed snapshot is that snapshot, read-only");
        Path v = mount(view, "v");
        assertEquals("1", Files.readString(v.resolve("f")));
        assertThrows(FileSystemException.class, () -> Files.writeString(v.resolve("g"), "2"));
        assertFalse(Files.exists(dir(2)), "no copy for a view");
        assertEquals(SnapshotKind.VIEW, snapshotter.stat("v").kind());
        snapshotter.remove("v");
    }

    @Test
    void usageCommitRemoveCleanupRestart() throws IOException {
        snapshotter.prepare("a", "", Map.of());
        Files.write(dir(1).resolve("data"), new byte[100_000]);
        Files.createLink(dir(1).resolve("again"), dir(1).resolve("data"));
        SnapshotUsage u = snapshotter.usage("a");
        assertEquals(2, u.inodes());
        assertTrue(u.size() >= 100_000);
        snapshotter.commit("A", "a", Map.of("k", "v"));
        assertEquals(u, snapshotter.usage("A"));
        snapshotter.prepare("b", "A", Map.of());
        List<String> before = state();

        assertEquals(ErrorKind.FAILED_PRECONDITION, kindOf(() -> snapshotter.remove("A")));
        assertEquals(ErrorKind.ALREADY_EXISTS, kindOf(() -> snapshotter.prepare("b", "A", Map.of())));
        assertEquals(ErrorKind.NOT_FOUND, kindOf(() -> snapshotter.prepare("c", "nope", Map.of())));
        assertEquals(ErrorKind.INVALID_ARGUMENT, kindOf(() -> snapshotter.prepare("c", "b", Map.of())));
        assertEquals(ErrorKind.NOT_FOUND, kindOf(() -> snapshotter.stat("nope")));
        assertEquals(ErrorKind.ALREADY_EXISTS, kindOf(() -> snapshotter.commit("A", "b", Map.of())));
        assertEquals(before, state(), "failed calls change nothing");

        snapshotter.close();
        snapshotter = NativeSnapshotter.open(root);
        assertEquals(before, state(), "a restart finds everything again");
        assertEquals(Map.of("k", "v"), snapshotter.stat("A").labels());

        snapshotter.remove("b");
        assertFalse(Files.exists(dir(2)));
        assertFalse(Files.exists(root.resolve("snapshots/rm-2")), "removed at once");
        // what a crash could leave: a half-made copy, a removal not finished
        Files.createDirectories(root.resolve("snapshots/new-crashed/x"));
        Files.createDirectories(root.resolve("snapshots/rm-9"));
        snapshotter.close();
        snapshotter = NativeSnapshotter.open(root);
        snapshotter.cleanup();
        try (Stream<Path> left = Files.list(root.resolve("snapshots"))) {
            assertEquals(List.of("1"), left.map(p -> p.getFileName().toString()).toList());
        }
        snapshotter.prepare("c", "", Map.of());
        assertTrue(Files.isDirectory(dir(10)), "ids seen on disk are never handed out again");
    }

    private List<String> state() throws IOException {
        List<String> s = new ArrayList<>();
        snapshotter.walk(List.of(), i -> s.add(i.name() + "|" + i.parent() + "|" + i.kind() + "|" + i.labels()));
        try (Stream<Path> dirs = Files.list(root.resolve("snapshots"))) {
            dirs.map(p -> "dir " + p.getFileName()).sorted().forEach(s::add);
        }
        return s;
    }

    @Test
    void symlinksAreNotFollowedWhenCopying() throws IOException {
        snapshotter.prepare("a", "", Map.of());
        Path outside = Files.createDirectories(dir.resolve("outside"));
        Files.writeString(outside.resolve("secret"), "s");
        Files.createSymbolicLink(dir(1).resolve("escape"), outside);
        snapshotter.commit("A", "a", Map.of());
        snapshotter.prepare("b", "A", Map.of());
        assertTrue(Files.isSymbolicLink(dir(2).resolve("escape")));
        assertEquals(outside, Files.readSymbolicLink(dir(2).resolve("escape")));
        assertFalse(Files.exists(dir(2).resolve("secret")), "nothing was copied through the link");
    }
}
