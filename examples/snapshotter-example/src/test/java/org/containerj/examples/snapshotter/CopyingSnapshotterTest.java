package org.containerj.examples.snapshotter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.containerj.api.errdefs.ContainerjException;
import org.containerj.api.errdefs.ErrorKind;
import org.containerj.api.mount.Mount;
import org.containerj.api.snapshots.SnapshotInfo;
import org.containerj.api.snapshots.SnapshotKind;
import org.containerj.nativeio.LibC;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The example snapshotter on the bare directories its mounts name (no mounting needed). */
class CopyingSnapshotterTest {
    @TempDir
    Path dir;
    private Path root;
    private CopyingSnapshotter snapshotter;

    @BeforeEach
    void open() {
        root = dir.resolve("io.containerd.snapshotter.v1.example");
        snapshotter = CopyingSnapshotter.open(root, Duration.ofSeconds(60));
    }

    @AfterEach
    void close() {
        snapshotter.close();
    }

    private static Path source(List<Mount> mounts) {
        assertEquals(1, mounts.size(), mounts::toString);
        assertEquals("bind", mounts.get(0).type());
        return Path.of(mounts.get(0).source());
    }

    private static ErrorKind kindOf(Runnable r) {
        return assertThrows(ContainerjException.class, r::run).kind();
    }

    @Test
    void aChildIsACopyOfItsParentWithLinksAndModes() throws IOException {
        Path base = source(snapshotter.prepare("base-a", "", Map.of()));
        Files.writeString(base.resolve("file"), "one");
        Files.createLink(base.resolve("hard"), base.resolve("file"));
        Files.createSymbolicLink(base.resolve("link"), Path.of("file"));
        Files.createDirectory(base.resolve("dir"));
        Files.setAttribute(base.resolve("file"), "unix:mode", 04755);
        snapshotter.commit("base", "base-a", Map.of("containerd.io/snapshot/x", "y"));

        List<Mount> childMounts = snapshotter.prepare("child", "base", Map.of());
        assertTrue(childMounts.get(0).options().contains("rw"), childMounts::toString);
        Path child = source(childMounts);
        assertEquals("one", Files.readString(child.resolve("file")));
        assertEquals(Files.getAttribute(child.resolve("file"), "unix:ino"), Files.getAttribute(child.resolve("hard"), "unix:ino"));
        assertEquals("file", Files.readSymbolicLink(child.resolve("link")).toString());
        assertEquals(04755, (int) Files.getAttribute(child.resolve("file"), "unix:mode") & 07777);
        Files.writeString(child.resolve("file"), "changed");
        Path committed = root.resolve("snapshots").resolve("1");
        assertEquals("one", Files.readString(committed.resolve("file")), "the parent is untouched");

        List<Mount> view = snapshotter.view("v", "base", Map.of());
        assertEquals(committed, source(view));
        assertTrue(view.get(0).options().contains("ro"), view::toString);

        SnapshotInfo info = snapshotter.stat("base");
        assertEquals(SnapshotKind.COMMITTED, info.kind());
        assertEquals(Map.of("containerd.io/snapshot/x", "y"), info.labels());
        assertTrue(snapshotter.usage("base").inodes() >= 4, () -> snapshotter.usage("base").toString());
        List<String> names = new ArrayList<>();
        snapshotter.walk(List.of("kind==active"), i -> names.add(i.name()));
        assertEquals(List.of("child"), names);
    }

    @Test
    void containerdRulesComeFromTheSharedStore() {
        snapshotter.prepare("a", "", Map.of());
        assertEquals(ErrorKind.ALREADY_EXISTS, kindOf(() -> snapshotter.prepare("a", "", Map.of())));
        assertEquals(ErrorKind.NOT_FOUND, kindOf(() -> snapshotter.prepare("b", "missing", Map.of())));
        assertEquals(ErrorKind.INVALID_ARGUMENT, kindOf(() -> snapshotter.prepare("b", "a", Map.of())));
        assertEquals(ErrorKind.NOT_FOUND, kindOf(() -> snapshotter.commit("c", "missing", Map.of())));
        snapshotter.commit("c", "a", Map.of());
        assertEquals(ErrorKind.FAILED_PRECONDITION, kindOf(() -> snapshotter.mounts("c")));
        snapshotter.prepare("d", "c", Map.of());
        assertEquals(ErrorKind.FAILED_PRECONDITION, kindOf(() -> snapshotter.remove("c")));
        snapshotter.remove("d");
        snapshotter.remove("c");
        assertEquals(ErrorKind.NOT_FOUND, kindOf(() -> snapshotter.stat("c")));
    }

    @Test
    void snapshotsSurviveReopeningAndCleanupTakesOnlyStrayDirectories() throws IOException {
        Path a = source(snapshotter.prepare("a", "", Map.of()));
        Files.writeString(a.resolve("kept"), "x");
        snapshotter.commit("c", "a", Map.of());
        Path stray = Files.createDirectory(root.resolve("snapshots").resolve("new-stray"));
        snapshotter.close();

        snapshotter = CopyingSnapshotter.open(root, Duration.ofSeconds(60));
        assertEquals(SnapshotKind.COMMITTED, snapshotter.stat("c").kind());
        snapshotter.cleanup();
        assertFalse(Files.exists(stray, LinkOption.NOFOLLOW_LINKS));
        Path child = source(snapshotter.prepare("b", "c", Map.of()));
        assertEquals("x", Files.readString(child.resolve("kept")));
        assertEquals("2", child.getFileName().toString(), "ids are never reused");
    }

    @Test
    void ownersAreCopiedWhenRunAsRoot() throws IOException {
        assumeTrue(LibC.geteuid() == 0, "chown needs root");
        Path a = source(snapshotter.prepare("a", "", Map.of()));
        Files.writeString(a.resolve("owned"), "x");
        Files.setAttribute(a.resolve("owned"), "unix:uid", 1000);
        Files.setAttribute(a.resolve("owned"), "unix:gid", 1000);
        snapshotter.commit("c", "a", Map.of());
        Path child = source(snapshotter.prepare("b", "c", Map.of()));
        assertEquals(1000, Files.getAttribute(child.resolve("owned"), "unix:uid"));
        assertEquals(1000, Files.getAttribute(child.resolve("owned"), "unix:gid"));
    }
}
