package org.containerj.snapshotter.btrfs.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.containerj.api.errdefs.ContainerjException;
import org.containerj.api.errdefs.ErrorKind;
import org.containerj.api.mount.Mount;
import org.containerj.api.plugin.PluginSkippedException;
import org.containerj.api.snapshots.SnapshotKind;
import org.containerj.api.snapshots.SnapshotUsage;
import org.containerj.nativeio.LibC;
import org.containerj.snapshots.mount.LinuxMounter;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;

/** The btrfs snapshotter on a loop-mounted btrfs the test makes and takes down itself (needs root). */
class BtrfsSnapshotterTest {
    @TempDir
    static Path shared;
    private static LoopBtrfs fs;
    private static String unavailable;

    @TempDir
    Path dir;
    private Path root;
    private BtrfsSnapshotter snapshotter;
    private final LinuxMounter mounter = new LinuxMounter();
    private final List<Path> mounted = new ArrayList<>();

    @BeforeAll
    static void makeFileSystem() {
        if (LibC.geteuid() != 0) {
            unavailable = "needs root";
            return;
        }
        try {
            fs = LoopBtrfs.create(shared);
        } catch (Exception e) {
            unavailable = "no loop-mounted btrfs here: " + e;
        }
    }

    @AfterAll
    static void takeDown() throws IOException {
        if (fs != null) {
            fs.close();
            fs = null;
        }
    }

    @BeforeEach
    void open(TestInfo test) {
        assumeTrue(unavailable == null, unavailable);
        root = fs.mountPoint().resolve(test.getTestMethod().orElseThrow().getName())
                .resolve("io.containerd.snapshotter.v1.btrfs");
        snapshotter = BtrfsSnapshotter.open(root, Btrfs.standard());
    }

    @AfterEach
    void close() throws IOException {
        for (int i = mounted.size() - 1; i >= 0; i--) {
            try {
                mounter.unmountAll(mounted.get(i));
            } catch (RuntimeException e) {
                System.err.println(e);
            }
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

    private void unmount(Path t) {
        mounter.unmountAll(t);
        mounted.remove(t);
    }

    private static ErrorKind kindOf(Runnable r) {
        return assertThrows(ContainerjException.class, r::run).kind();
    }

    @Test
    void skippedWhereTheRootIsNotBtrfs() {
        Path elsewhere = dir.resolve("io.containerd.snapshotter.v1.btrfs");
        PluginSkippedException e = assertThrows(PluginSkippedException.class,
                () -> BtrfsSnapshotter.open(elsewhere, Btrfs.standard()));
        assertTrue(e.getMessage().startsWith("path " + elsewhere + " ("), e.getMessage());
        assertTrue(e.getMessage().endsWith(") must be a btrfs filesystem to be used with the btrfs snapshotter"),
                e.getMessage());
    }

    @Test
    void subvolumesChainAndMount() throws IOException {
        List<Mount> a = snapshotter.prepare("a", "", Map.of());
        assertEquals(1, a.size());
        assertEquals("btrfs", a.get(0).type());
        assertEquals(fs.device(), a.get(0).source());
        assertEquals(1, a.get(0).options().size(), "active: subvolid only, read-write: " + a);
        assertTrue(a.get(0).options().get(0).matches("subvolid=\\d+"), a.toString());
        assertTrue(Files.isDirectory(root.resolve("active/1")));

        Path m = mount(a, "a");
        Files.writeString(m.resolve("one"), "1");
        Files.writeString(m.resolve("gone"), "x");
        unmount(m);
        snapshotter.commit("A", "a", Map.of("k", "v"));
        assertFalse(Files.exists(root.resolve("active/1")), "the active subvolume is deleted after commit");
        assertTrue(Files.isDirectory(root.resolve("snapshots/1")));

        List<Mount> b = snapshotter.prepare("b", "A", Map.of());
        m = mount(b, "b");
        assertEquals("1", Files.readString(m.resolve("one")));
        Files.writeString(m.resolve("two"), "2");
        Files.delete(m.resolve("gone"));
        unmount(m);
        snapshotter.commit("B", "b", Map.of());

        List<Mount> v = snapshotter.view("v", "B", Map.of());
        assertEquals("ro", v.get(0).options().get(1));
        m = mount(v, "v");
        assertEquals("1", Files.readString(m.resolve("one")));
        assertEquals("2", Files.readString(m.resolve("two")));
        assertFalse(Files.exists(m.resolve("gone")));
        Path ro = m;
        assertThrows(FileSystemException.class, () -> Files.writeString(ro.resolve("three"), "3"));
        unmount(m);
        assertEquals(v, snapshotter.mounts("v"));
        assertEquals(SnapshotKind.VIEW, snapshotter.stat("v").kind());
        assertEquals("B", snapshotter.stat("v").parent());
        assertEquals(Map.of("k", "v"), snapshotter.stat("A").labels());
    }

    @Test
    void usageOfAnActiveSnapshotIsWhatItAdds() throws IOException {
        snapshotter.prepare("a", "", Map.of());
        Path a = root.resolve("active/1");
        Files.write(a.resolve("big"), new byte[200_000]);
        Files.createLink(a.resolve("big2"), a.resolve("big"));
        SnapshotUsage base = snapshotter.usage("a");
        assertEquals(2, base.inodes(), "the subvolume root and big (linked twice)");
        snapshotter.commit("A", "a", Map.of());
        assertEquals(base, snapshotter.usage("A"));

        snapshotter.prepare("b", "A", Map.of());
        Path b = root.resolve("active/2");
        assertEquals(0, snapshotter.usage("b").inodes(), "nothing changed yet");
        Files.writeString(b.resolve("new"), "n");
        SnapshotUsage added = snapshotter.usage("b");
        assertEquals(1, added.inodes(), "only the new file: " + added);
    }

    @Test
    void errorsRemoveCleanupAndRestart() throws IOException {
        snapshotter.prepare("a", "", Map.of());
        snapshotter.commit("A", "a", Map.of());
        snapshotter.prepare("b", "A", Map.of());
        snapshotter.view("v", "A", Map.of());
        List<String> before = state();

        assertEquals(ErrorKind.FAILED_PRECONDITION, kindOf(() -> snapshotter.remove("A")));
        assertEquals(ErrorKind.ALREADY_EXISTS, kindOf(() -> snapshotter.prepare("b", "A", Map.of())));
        assertEquals(ErrorKind.NOT_FOUND, kindOf(() -> snapshotter.prepare("c", "nope", Map.of())));
        assertEquals(ErrorKind.INVALID_ARGUMENT, kindOf(() -> snapshotter.prepare("c", "b", Map.of())));
        assertEquals(ErrorKind.FAILED_PRECONDITION, kindOf(() -> snapshotter.commit("V", "v", Map.of())));
        assertEquals(ErrorKind.NOT_FOUND, kindOf(() -> snapshotter.mounts("nope")));
        assertEquals(before, state(), "failed calls change nothing");

        snapshotter.close();
        snapshotter = BtrfsSnapshotter.open(root, Btrfs.standard());
        assertEquals(before, state(), "a restart finds everything again");

        snapshotter.remove("b");
        snapshotter.remove("v");
        assertFalse(Files.exists(root.resolve("active/2")));
        assertFalse(Files.exists(root.resolve("active/rm-2")), "the subvolume is deleted at once");
        snapshotter.remove("A");
        // leftovers of a crash: a subvolume and a directory nobody owns
        Btrfs.standard().createSubvolume(root.resolve("view/rm-77"));
        Files.createDirectories(root.resolve("snapshots/junk"));
        snapshotter.cleanup();
        for (String d : List.of("active", "view", "snapshots")) {
            try (Stream<Path> left = Files.list(root.resolve(d))) {
                assertEquals(0, left.count(), d);
            }
        }
        assertEquals(List.of(), state());
    }

    private List<String> state() throws IOException {
        List<String> s = new ArrayList<>();
        snapshotter.walk(List.of(), i -> s.add(i.name() + "|" + i.parent() + "|" + i.kind()));
        for (String d : List.of("active", "view", "snapshots")) {
            try (Stream<Path> entries = Files.list(root.resolve(d))) {
                entries.map(p -> d + "/" + p.getFileName()).sorted().forEach(s::add);
            }
        }
        return s;
    }
}
