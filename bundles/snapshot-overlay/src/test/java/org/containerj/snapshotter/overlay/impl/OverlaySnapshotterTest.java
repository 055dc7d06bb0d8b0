package org.containerj.snapshotter.overlay.impl;

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
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;

import org.containerj.api.errdefs.ContainerjException;
import org.containerj.api.errdefs.ErrorKind;
import org.containerj.api.mount.Mount;
import org.containerj.api.snapshots.SnapshotInfo;
import org.containerj.api.snapshots.SnapshotKind;
import org.containerj.api.snapshots.SnapshotUsage;
import org.containerj.api.snapshots.Snapshotter;
import org.containerj.nativeio.LibC;
import org.containerj.nativeio.Stat;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The overlayfs snapshotter on real overlay mounts (needs root, as containerd's tests do). */
class OverlaySnapshotterTest {
    @TempDir
    Path dir;
    private Path root;
    private OverlaySnapshotter snapshotter;
    private Mounts mounts;

    @BeforeEach
    void open() {
        assumeTrue(LibC.geteuid() == 0, "overlay mounts need root");
        root = dir.resolve("io.containerd.snapshotter.v1.overlayfs");
        OverlaySupport.check(root);
        snapshotter = OverlaySnapshotter.open(root, OverlaySnapshotter.Options.defaults());
        mounts = new Mounts(dir);
    }

    @AfterEach
    void close() throws IOException {
        if (mounts != null) {
            mounts.close();
        }
        if (snapshotter != null) {
            snapshotter.close();
        }
    }

    private static ErrorKind kindOf(Runnable r) {
        return assertThrows(ContainerjException.class, r::run).kind();
    }

    private String fs(long id) {
        return root.resolve("snapshots").resolve(Long.toString(id)).resolve("fs").toString();
    }

    /** Everything observable: the snapshots and the directories under snapshots/. */
    private List<String> state() throws IOException {
        List<String> s = new ArrayList<>();
        snapshotter.walk(List.of(), i -> s.add(i.name() + "|" + i.parent() + "|" + i.kind() + "|" + new TreeMap<>(i.labels())));
        try (Stream<Path> dirs = Files.list(root.resolve("snapshots"))) {
            dirs.map(p -> "dir " + p.getFileName()).sorted().forEach(s::add);
        }
        return s;
    }

    @Test
    void chainOfLayersMountsLikeContainerd() throws IOException {
        String index = OverlaySnapshotter.supportsIndex() ? "index=off" : null;

        List<Mount> base = snapshotter.prepare("a", "", Map.of());
        assertEquals(List.of(new Mount("bind", fs(1), List.of("rw", "rbind"))), base);
        Path m = mounts.mount(base, dir.resolve("m1"));
        Files.writeString(m.resolve("one"), "1");
        Files.writeString(m.resolve("gone"), "x");
        mounts.unmount(m);
        snapshotter.commit("A", "a", Map.of("l", "v"));

        List<Mount> second = snapshotter.prepare("b", "A", Map.of());
        List<String> expected = new ArrayList<>();
        if (index != null) {
            expected.add(index);
        }
        expected.add("workdir=" + root.resolve("snapshots/2/work"));
        expected.add("upperdir=" + fs(2));
        expected.add("lowerdir=" + fs(1));
        assertEquals(List.of(new Mount("overlay", "overlay", expected)), second);
        m = mounts.mount(second, dir.resolve("m2"));
        assertEquals("1", Files.readString(m.resolve("one")));
        Files.writeString(m.resolve("two"), "2");
        Files.delete(m.resolve("gone"));
        mounts.unmount(m);
        snapshotter.commit("B", "b", Map.of());

        // a view of one layer is a read-only bind mount of it
        assertEquals(List.of(new Mount("bind", fs(1), List.of("ro", "rbind"))), snapshotter.view("v1", "A", Map.of()));
        // a view of several is an overlay without upper directory, nearest layer first
        List<Mount> view = snapshotter.view("v2", "B", Map.of());
        List<String> viewOptions = new ArrayList<>();
        if (index != null) {
            viewOptions.add(index);
        }
        viewOptions.add("lowerdir=" + fs(2) + ":" + fs(1));
        assertEquals(List.of(new Mount("overlay", "overlay", viewOptions)), view);
        m = mounts.mount(view, dir.resolve("m3"));
        assertEquals("1", Files.readString(m.resolve("one")));
        assertEquals("2", Files.readString(m.resolve("two")));
        assertFalse(Files.exists(m.resolve("gone")), "the whiteout hides the lower file");
        Path ro = m;
        assertThrows(FileSystemException.class, () -> Files.writeString(ro.resolve("three"), "3"));
        mounts.unmount(m);

        // a view without parent is an empty read-only bind mount
        assertEquals(List.of(new Mount("bind", fs(5), List.of("ro", "rbind"))), snapshotter.view("v0", "", Map.of()));

        SnapshotInfo b = snapshotter.stat("B");
        assertEquals("A", b.parent());
        assertEquals(SnapshotKind.COMMITTED, b.kind());
        assertEquals(SnapshotKind.VIEW, snapshotter.stat("v2").kind());
        assertEquals(Map.of("l", "v"), snapshotter.stat("A").labels());
        assertEquals(snapshotter.mounts("v2"), view, "Mounts gives the mounts again");
    }

    @Test
    void aLayerPreparedAloneIsRebasedOntoItsParentOnCommit() throws IOException {
        assertTrue(snapshotter.canRebase());
        Path m = mounts.mount(snapshotter.prepare("a", "", Map.of()), dir.resolve("m1"));
        Files.writeString(m.resolve("one"), "1");
        Files.writeString(m.resolve("gone"), "x");
        mounts.unmount(m);
        snapshotter.commit("A", "a", Map.of());

        // to be rebased: an overlay on an empty lower, so that a differ writes overlayfs whiteouts
        List<Mount> alone = snapshotter.prepare("b", "", Map.of(Snapshotter.REBASE_LABEL, "true"));
        assertEquals(1, alone.size());
        assertEquals("overlay", alone.get(0).type());
        assertTrue(alone.get(0).options().contains("upperdir=" + fs(2)), alone.toString());
        assertTrue(alone.get(0).options().contains("lowerdir=" + root.resolve("empty")), alone.toString());
        m = mounts.mount(alone, dir.resolve("m2"));
        Files.writeString(m.resolve("two"), "2");
        mounts.unmount(m);
        LibC.mknod(Path.of(fs(2)).resolve("gone"), Stat.S_IFCHR, 0); // a whiteout, as the differ writes it

        List<String> before = state();
        assertEquals(ErrorKind.NOT_FOUND, kindOf(() -> snapshotter.commit("B", "b", Map.of(), "missing")));
        snapshotter.prepare("c", "", Map.of());
        assertEquals(ErrorKind.FAILED_PRECONDITION, kindOf(() -> snapshotter.commit("B", "b", Map.of(), "c")));
        snapshotter.remove("c");
        snapshotter.cleanup();
        assertEquals(before, state(), "a refused rebase changes nothing");

        snapshotter.commit("B", "b", Map.of(), "A");
        assertEquals("A", snapshotter.stat("B").parent());
        m = mounts.mount(snapshotter.view("v", "B", Map.of()), dir.resolve("m3"));
        assertEquals("1", Files.readString(m.resolve("one")));
        assertEquals("2", Files.readString(m.resolve("two")));
        assertFalse(Files.exists(m.resolve("gone")), "the whiteout hides the file of the new parent");
        mounts.unmount(m);

        // a snapshot that has a parent cannot be moved onto another
        snapshotter.prepare("d", "A", Map.of());
        assertEquals(ErrorKind.FAILED_PRECONDITION, kindOf(() -> snapshotter.commit("D", "d", Map.of(), "B")));
    }

    @Test
    void usageCountsHardLinkedFilesOnce() throws IOException {
        Path m = mounts.mount(snapshotter.prepare("a", "", Map.of()), dir.resolve("m"));
        Files.write(m.resolve("big"), new byte[256 * 1024]);
        Files.createLink(m.resolve("link"), m.resolve("big"));
        Files.createDirectory(m.resolve("d"));
        Files.writeString(m.resolve("d/small"), "hello");
        mounts.unmount(m);

        Path upper = Path.of(fs(1));
        long expected = 0;
        for (String p : List.of("", "big", "d", "d/small")) {
            Stat st = LibC.lstat(p.isEmpty() ? upper : upper.resolve(p));
            expected += st.allocated();
        }
        SnapshotUsage active = snapshotter.usage("a");
        assertEquals(4, active.inodes(), "root, big (twice linked), d, d/small");
        assertEquals(expected, active.size());
        assertTrue(active.size() >= 256 * 1024);

        snapshotter.commit("A", "a", Map.of());
        assertEquals(active, snapshotter.usage("A"), "committed usage is what was measured at commit");
    }

    @Test
    void errorsChangeNothing() throws IOException {
        snapshotter.prepare("a", "", Map.of());
        snapshotter.commit("A", "a", Map.of());
        snapshotter.prepare("b", "A", Map.of());
        snapshotter.view("v", "A", Map.of());
        List<String> before = state();

        assertEquals(ErrorKind.NOT_FOUND, kindOf(() -> snapshotter.stat("nope")));
        assertEquals(ErrorKind.NOT_FOUND, kindOf(() -> snapshotter.mounts("nope")));
        assertEquals(ErrorKind.NOT_FOUND, kindOf(() -> snapshotter.usage("nope")));
        assertEquals(ErrorKind.NOT_FOUND, kindOf(() -> snapshotter.remove("nope")));
        assertEquals(ErrorKind.ALREADY_EXISTS, kindOf(() -> snapshotter.prepare("b", "A", Map.of())));
        assertEquals(ErrorKind.ALREADY_EXISTS, kindOf(() -> snapshotter.view("A", "", Map.of())));
        assertEquals(ErrorKind.NOT_FOUND, kindOf(() -> snapshotter.prepare("c", "missing", Map.of())));
        assertEquals(ErrorKind.INVALID_ARGUMENT, kindOf(() -> snapshotter.prepare("c", "b", Map.of())),
                "a parent must be committed");
        assertEquals(ErrorKind.FAILED_PRECONDITION, kindOf(() -> snapshotter.commit("V", "v", Map.of())),
                "a view cannot be committed");
        assertEquals(ErrorKind.ALREADY_EXISTS, kindOf(() -> snapshotter.commit("A", "b", Map.of())));
        assertEquals(ErrorKind.NOT_FOUND, kindOf(() -> snapshotter.commit("C", "nope", Map.of())));
        assertEquals(ErrorKind.FAILED_PRECONDITION, kindOf(() -> snapshotter.remove("A")), "A has children");
        assertEquals(ErrorKind.FAILED_PRECONDITION, kindOf(() -> snapshotter.mounts("A")), "committed: no mounts");
        assertEquals(ErrorKind.INVALID_ARGUMENT,
                kindOf(() -> snapshotter.update(new SnapshotInfo("A", "", SnapshotKind.UNKNOWN, Map.of(), null, null),
                        Set.of("parent"))));
        assertEquals(ErrorKind.INVALID_ARGUMENT, kindOf(() -> snapshotter.prepare("", "", Map.of())));
        assertEquals(ErrorKind.INVALID_ARGUMENT, kindOf(() -> snapshotter.walk(List.of("labels.\"a"), i -> { })));

        assertEquals(before, state());
    }

    @Test
    void removeRenamesAndCleanupReclaims() throws IOException {
        snapshotter.prepare("a", "", Map.of());
        snapshotter.commit("A", "a", Map.of());
        snapshotter.prepare("b", "A", Map.of());
        Path b = root.resolve("snapshots/2");
        Files.writeString(b.resolve("fs/file"), "data");

        snapshotter.remove("b");
        assertFalse(Files.exists(b));
        assertTrue(Files.exists(root.resolve("snapshots/removed-2/fs/file")), "space is reclaimed by cleanup");
        assertEquals(ErrorKind.NOT_FOUND, kindOf(() -> snapshotter.stat("b")));
        snapshotter.prepare("b", "A", Map.of()); // the key is free again at once
        assertTrue(Files.isDirectory(root.resolve("snapshots/3/fs")), "ids are not reused");

        snapshotter.cleanup();
        assertFalse(Files.exists(root.resolve("snapshots/removed-2")));
        assertTrue(Files.exists(root.resolve("snapshots/1")));
        assertTrue(Files.exists(root.resolve("snapshots/3")));

        snapshotter.remove("b");
        snapshotter.remove("A"); // no children any more
        snapshotter.cleanup();
        try (Stream<Path> left = Files.list(root.resolve("snapshots"))) {
            assertEquals(0, left.count());
        }
    }

    @Test
    void updateChangesLabelsByFieldPath() {
        snapshotter.prepare("a", "", Map.of("x", "1", "y", "2"));
        SnapshotInfo wanted = new SnapshotInfo("a", "", SnapshotKind.UNKNOWN, Map.of("x", "10", "z", "3"), null, null);
        assertEquals(Map.of("x", "10", "y", "2"), snapshotter.update(wanted, Set.of("labels.x", "labels.w")).labels());
        assertEquals(Map.of("x", "10"), snapshotter.update(wanted, Set.of("labels.y")).labels());
        assertEquals(Map.of("x", "10", "z", "3"), snapshotter.update(wanted, Set.of()).labels());
        assertEquals(Map.of("x", "10", "z", "3"), snapshotter.stat("a").labels());

        List<String> names = new ArrayList<>();
        snapshotter.prepare("b", "", Map.of());
        snapshotter.walk(List.of("labels.z==3"), i -> names.add(i.name()));
        snapshotter.walk(List.of("kind==active,name==b"), i -> names.add(i.name()));
        assertEquals(List.of("a", "b"), names);
    }

    @Test
    void restartFindsTheSnapshotsAgain() throws IOException {
        snapshotter.prepare("a", "", Map.of("k", "v"));
        snapshotter.commit("A", "a", Map.of("k", "v"));
        List<Mount> b = snapshotter.prepare("b", "A", Map.of());
        snapshotter.remove("b");
        List<String> before = state();
        snapshotter.close();

        snapshotter = OverlaySnapshotter.open(root, OverlaySnapshotter.Options.defaults());
        assertEquals(before, state());
        assertEquals(Map.of("k", "v"), snapshotter.stat("A").labels());
        List<Mount> c = snapshotter.prepare("c", "A", Map.of());
        assertTrue(c.get(0).options().contains("upperdir=" + fs(3)), "ids continue after a restart: " + c);
        assertFalse(b.equals(c));
    }

    @Test
    void crashLeftoversAreSkippedAndCleanedUp() throws IOException {
        snapshotter.prepare("a", "", Map.of());
        snapshotter.close();
        // a crash after renaming a new snapshot's directory but before its record was written
        Files.createDirectories(root.resolve("snapshots/7/fs"));
        Files.createDirectories(root.resolve("snapshots/new-123/fs"));
        snapshotter = OverlaySnapshotter.open(root, OverlaySnapshotter.Options.defaults());
        List<Mount> b = snapshotter.prepare("b", "", Map.of());
        assertEquals(fs(8), b.get(0).source(), "ids left on disk are not handed out again");
        snapshotter.cleanup();
        assertFalse(Files.exists(root.resolve("snapshots/7")));
        assertFalse(Files.exists(root.resolve("snapshots/new-123")));
        assertTrue(Files.exists(root.resolve("snapshots/1")));
    }

    @Test
    void rootAndSnapshotsDirectoryArePrivate() throws IOException {
        assertEquals("rwx------", java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(root)));
        assertEquals("rwx------",
                java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(root.resolve("snapshots"))));
        try (Stream<Path> left = Files.list(root)) {
            assertEquals(List.of(), left.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("overlay-check"))
                    .toList(), "the overlay check left nothing behind");
        }
    }

    @Test
    void secondStoreOnTheSameRootIsRefused() {
        assertThrows(IllegalStateException.class, () -> OverlaySnapshotter.open(root, OverlaySnapshotter.Options.defaults()));
    }

    @Test
    void upperdirLabelNamesTheUpperDirectory() {
        snapshotter.close();
        snapshotter = OverlaySnapshotter.open(root, new OverlaySnapshotter.Options(true, true, List.of("volatile"), false));
        snapshotter.prepare("a", "", Map.of());
        assertEquals(fs(1), snapshotter.stat("a").labels().get(OverlaySnapshotter.UPPERDIR_LABEL));
        snapshotter.commit("A", "a", Map.of());
        List<Mount> b = snapshotter.prepare("b", "A", Map.of());
        assertEquals("volatile", b.get(0).options().get(0), "mount_options come first");
        snapshotter.remove("b");
        assertFalse(Files.exists(root.resolve("snapshots/removed-2")), "sync_remove deletes at once");
    }

    @Test
    void manyLayersMountThroughTheCommonDirectory() throws IOException {
        int layers = 160;
        String parent = "";
        for (int i = 0; i < layers; i++) {
            List<Mount> m = snapshotter.prepare("k" + i, parent, Map.of());
            Path fs = Path.of(m.get(0).type().equals("bind") ? m.get(0).source() : upperOf(m.get(0)));
            Files.writeString(fs.resolve("layer" + i), Integer.toString(i));
            snapshotter.commit("L" + i, "k" + i, Map.of());
            parent = "L" + i;
        }
        List<Mount> top = snapshotter.prepare("top", parent, Map.of());
        String lowerdir = top.get(0).options().stream().filter(o -> o.startsWith("lowerdir=")).findFirst().orElseThrow();
        assertTrue(String.join(",", top.get(0).options()).length() > 4096, "long enough to need the short form");
        assertEquals(layers, lowerdir.split(":").length);
        Path m = mounts.mount(top, dir.resolve("top"));
        assertEquals("0", Files.readString(m.resolve("layer0")));
        assertEquals(Integer.toString(layers - 1), Files.readString(m.resolve("layer" + (layers - 1))));
        Files.writeString(m.resolve("mine"), "x");
        mounts.unmount(m);
        assertEquals("x", Files.readString(Path.of(upperOf(top.get(0))).resolve("mine")));
    }

    private static String upperOf(Mount m) {
        return m.options().stream().filter(o -> o.startsWith("upperdir=")).findFirst().orElseThrow()
                .substring("upperdir=".length());
    }

    @Test
    void readOnlyBindViewCannotBeWritten() throws IOException {
        snapshotter.prepare("a", "", Map.of());
        snapshotter.commit("A", "a", Map.of());
        Path m = mounts.mount(snapshotter.view("v", "A", Map.of()), dir.resolve("v"));
        FileSystemException e = assertThrows(FileSystemException.class, () -> Files.writeString(m.resolve("x"), "x"));
        assertTrue(String.valueOf(e.getReason()).contains("Read-only"), e.toString());
    }
}
