package org.containerj.snapshotter.btrfs.impl;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.containerj.api.errdefs.ContainerjException;
import org.containerj.nativeio.LibC;
import org.containerj.nativeio.Stat;

/** The btrfs operations the snapshotter needs, through btrfs-progs' {@code btrfs} command. */
final class Btrfs {
    /** The inode number of every subvolume's top directory (BTRFS_FIRST_FREE_OBJECTID). */
    static final long SUBVOLUME_INODE = 256;

    private final String executable;
    private final Duration timeout;

    Btrfs(String executable, Duration timeout) {
        this.executable = executable;
        this.timeout = timeout;
    }

    static Btrfs standard() {
        return new Btrfs("btrfs", Duration.ofMinutes(2));
    }

    private String run(String... args) {
        List<String> all = new ArrayList<>(args.length + 1);
        all.add(executable);
        all.addAll(List.of(args));
        return Command.run(timeout, all);
    }

    /** {@code btrfs --version}, e.g. {@code btrfs-progs v6.2}. UNAVAILABLE when it cannot be run. */
    String version() {
        return run("--version").strip();
    }

    /** A new, empty subvolume at {@code path} (which must not exist). */
    void createSubvolume(Path path) {
        run("subvolume", "create", path.toString());
    }

    /** A snapshot of subvolume {@code source} at {@code target}, read-only when asked. */
    void snapshot(Path source, Path target, boolean readOnly) {
        if (readOnly) {
            run("subvolume", "snapshot", "-r", source.toString(), target.toString());
        } else {
            run("subvolume", "snapshot", source.toString(), target.toString());
        }
    }

    /** Deletes the subvolume at {@code path}. */
    void deleteSubvolume(Path path) {
        run("subvolume", "delete", path.toString());
    }

    /** The id of the subvolume whose top directory is {@code path} (what {@code subvolid=} takes). */
    long subvolumeId(Path path) {
        String out = run("inspect-internal", "rootid", path.toString()).strip();
        try {
            return Long.parseLong(out);
        } catch (NumberFormatException e) {
            throw ContainerjException.internal("btrfs inspect-internal rootid " + path + " printed " + out, e);
        }
    }

    /** True when {@code path} is the top directory of a subvolume. */
    static boolean isSubvolume(Path path) throws IOException {
        if (!Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)) {
            return false;
        }
        Stat st = LibC.lstat(path);
        return st.type() == Stat.S_IFDIR && st.ino() == SUBVOLUME_INODE;
    }
}
