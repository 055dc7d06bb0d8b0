package org.containerj.snapshotter.overlay.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.containerj.api.mount.Mount;
import org.containerj.snapshots.mount.LinuxMounter;

/** Mounts for a test, every one undone by {@link #close()} even when the test failed. */
final class Mounts implements AutoCloseable {
    private final LinuxMounter mounter = new LinuxMounter();
    private final List<Path> targets = new ArrayList<>();
    private final Path scope;

    Mounts(Path scope) {
        this.scope = scope;
    }

    Path mount(List<Mount> mounts, Path target) throws IOException {
        Files.createDirectories(target);
        targets.add(target);
        mounter.mountAll(mounts, target);
        return target;
    }

    void unmount(Path target) {
        mounter.unmountAll(target);
        targets.remove(target);
    }

    /** Lines of /proc/self/mounts naming a path under the test's directory. */
    List<String> leftovers() throws IOException {
        List<String> left = new ArrayList<>();
        for (String line : Files.readAllLines(Path.of("/proc/self/mounts"))) {
            String[] f = line.split(" ");
            if (f.length > 1 && f[1].replace("\\040", " ").startsWith(scope.toString())) {
                left.add(line);
            }
        }
        return left;
    }

    @Override
    public void close() throws IOException {
        for (int i = targets.size() - 1; i >= 0; i--) {
            try {
                mounter.unmountAll(targets.get(i));
            } catch (RuntimeException e) {
                System.err.println("unmount " + targets.get(i) + ": " + e);
            }
        }
        targets.clear();
        assertEquals(List.of(), leftovers(), "mounts left behind");
    }
}
