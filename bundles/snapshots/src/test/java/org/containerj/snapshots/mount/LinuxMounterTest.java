package org.containerj.snapshots.mount;

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

import org.containerj.api.errdefs.ContainerjException;
import org.containerj.api.errdefs.ErrorKind;
import org.containerj.api.mount.Mount;
import org.containerj.nativeio.LibC;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real mounts in a temporary directory (needs root); every test leaves no mount behind. */
class LinuxMounterTest {
    @TempDir
    Path dir;
    private final LinuxMounter mounter = new LinuxMounter();
    private final List<Path> targets = new ArrayList<>();

    @BeforeEach
    void root() {
        assumeTrue(LibC.geteuid() == 0, "mounting needs root");
    }

    @AfterEach
    void unmountEverything() throws IOException {
        for (int i = targets.size() - 1; i >= 0; i--) {
            try {
                mounter.unmountAll(targets.get(i));
            } catch (RuntimeException e) {
                System.err.println(e);
            }
        }
        assertEquals(List.of(), mountsUnder(dir), "mounts left behind");
    }

    private Path target(String name) throws IOException {
        Path t = Files.createDirectories(dir.resolve(name));
        targets.add(t);
        return t;
    }

    /** /proc/self/mountinfo lines of mount points under {@code scope}: "mountpoint options". */
    static List<String> mountsUnder(Path scope) throws IOException {
        List<String> found = new ArrayList<>();
        for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
            String[] f = line.split(" ");
            String point = f[4].replace("\\040", " ");
            if (point.startsWith(scope.toString())) {
                found.add(point + " " + f[5]);
            }
        }
        return found;
    }

    @Test
    void readOnlyBindMount() throws IOException {
        Path src = Files.createDirectories(dir.resolve("src"));
        Files.writeString(src.resolve("f"), "hello");
        Path t = target("t");
        mounter.mountAll(List.of(new Mount("bind", src.toString(), List.of("ro", "rbind", "nosuid"))), t);
        assertEquals("hello", Files.readString(t.resolve("f")));
        assertThrows(FileSystemException.class, () -> Files.writeString(t.resolve("g"), "x"));
        String options = mountsUnder(t).get(0);
        assertTrue(options.contains(" ro,") && options.contains("nosuid"), options);
        mounter.unmountAll(t);
        assertEquals(List.of(), mountsUnder(t));
    }

    @Test
    void tmpfsWithDataAndStackedMountsUnmountTogether() throws IOException {
        Path t = target("t");
        mounter.mountAll(List.of(new Mount("tmpfs", "tmpfs", List.of("nodev", "size=1m", "mode=700")),
                new Mount("tmpfs", "tmpfs", List.of("size=2m"))), t);
        assertEquals(2, mountsUnder(t).size());
        Files.writeString(t.resolve("x"), "y");
        mounter.unmountAll(t);
        assertEquals(List.of(), mountsUnder(t));
        assertFalse(Files.exists(t.resolve("x")));
        mounter.unmountAll(t); // nothing mounted: nothing to do
    }

    @Test
    void failureUndoesWhatWasMounted() throws IOException {
        Path t = target("t");
        ContainerjException e = assertThrows(ContainerjException.class, () -> mounter.mountAll(List.of(
                new Mount("tmpfs", "tmpfs", List.of("size=1m")),
                new Mount("bind", dir.resolve("missing").toString(), List.of("rbind"))), t));
        assertEquals(ErrorKind.NOT_FOUND, e.kind());
        assertEquals(List.of(), mountsUnder(t), "the first mount was undone");
        assertEquals(ErrorKind.INVALID_ARGUMENT, assertThrows(ContainerjException.class,
                () -> mounter.mountAll(List.of(new Mount("tmpfs", "tmpfs", "../../x", List.of())), t)).kind());
    }

    @Test
    void busyMountIsDetached() throws IOException {
        Path t = target("t");
        mounter.mountAll(List.of(new Mount("tmpfs", "tmpfs", List.of("size=1m"))), t);
        try (var open = Files.newOutputStream(t.resolve("held"))) {
            open.write(1);
            mounter.unmountAll(t);
            assertEquals(List.of(), mountsUnder(t));
        }
    }

    @Test
    void overlayWithMoreLayersThanAPageOfOptions() throws IOException {
        Path layers = Files.createDirectories(dir.resolve("a-rather-long-directory-name-for-layers/snapshots"));
        List<String> lower = new ArrayList<>();
        for (int i = 120; i >= 1; i--) {
            Path fs = Files.createDirectories(layers.resolve(i + "/fs"));
            Files.writeString(fs.resolve("layer" + i), Integer.toString(i));
            lower.add(fs.toString());
        }
        Path upper = Files.createDirectories(layers.resolve("121/fs"));
        Path work = Files.createDirectories(layers.resolve("121/work"));
        List<String> options = List.of("index=off", "workdir=" + work, "upperdir=" + upper,
                "lowerdir=" + String.join(":", lower));
        assertTrue(String.join(",", options).length() > LinuxMounter.MAX_DATA, "needs the short form");
        Path t = target("t");
        mounter.mountAll(List.of(new Mount("overlay", "overlay", options)), t);
        assertEquals("1", Files.readString(t.resolve("layer1")));
        assertEquals("120", Files.readString(t.resolve("layer120")));
        Files.writeString(t.resolve("new"), "n");
        mounter.unmountAll(t);
        assertEquals("n", Files.readString(upper.resolve("new")));
    }
}
