package org.containerj.snapshotter.btrfs.impl;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Objects;

import org.containerj.api.errdefs.ContainerjException;
import org.containerj.api.snapshots.SnapshotUsage;
import org.containerj.nativeio.ErrnoException;
import org.containerj.nativeio.LibC;
import org.containerj.nativeio.Stat;
import org.containerj.snapshots.storage.DiskUsage;

/**
 * The disk an active btrfs snapshot adds to its parent, counted as containerd counts it:
 * the entries of {@code upper} that are new or changed against {@code lower} (type,
 * mode, owner; for files also size, modification time, device number or link target),
 * each distinct inode once. A btrfs snapshot keeps inode numbers and times, so
 * unchanged files compare equal. Deleted files are not counted.
 */
final class DiffUsage {
    private DiffUsage() {
    }

    static SnapshotUsage between(Path lower, Path upper) {
        DiskUsage.Counter counter = new DiskUsage.Counter();
        try {
            Files.walkFileTree(upper, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                    if (!dir.equals(upper)) {
                        consider(dir, attrs);
                    }
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    consider(file, attrs);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
                    if (e instanceof NoSuchFileException) {
                        return FileVisitResult.CONTINUE;
                    }
                    throw e;
                }

                private void consider(Path path, BasicFileAttributes attrs) throws IOException {
                    Stat now;
                    try {
                        now = LibC.lstat(path);
                    } catch (ErrnoException e) {
                        if (e.errno() == 2) {
                            return;
                        }
                        throw e;
                    }
                    Path before = lower.resolve(upper.relativize(path).toString());
                    if (changed(path, now, attrs, before)) {
                        counter.add(now);
                    }
                }
            });
        } catch (NoSuchFileException e) {
            throw ContainerjException.notFound("%s: no such file or directory", upper);
        } catch (IOException e) {
            throw ContainerjException.internal("cannot compute the disk usage of " + upper + ": " + e.getMessage(), e);
        }
        return counter.usage();
    }

    private static boolean changed(Path path, Stat now, BasicFileAttributes attrs, Path before) throws IOException {
        Stat old;
        try {
            old = LibC.lstat(before);
        } catch (ErrnoException e) {
            if (e.errno() == 2 || e.errnoName().equals("ENOTDIR")) {
                return true; // added
            }
            throw e;
        }
        if (old.type() != now.type() || old.mode() != now.mode() || old.uid() != now.uid() || old.gid() != now.gid()) {
            return true;
        }
        if (now.type() == Stat.S_IFDIR) {
            return false;
        }
        if (old.size() != now.size() || old.rdev() != now.rdev()) {
            return true;
        }
        if (!Objects.equals(Files.getLastModifiedTime(before, LinkOption.NOFOLLOW_LINKS), attrs.lastModifiedTime())) {
            return true;
        }
        return now.type() == Stat.S_IFLNK && !Files.readSymbolicLink(before).equals(Files.readSymbolicLink(path));
    }
}
