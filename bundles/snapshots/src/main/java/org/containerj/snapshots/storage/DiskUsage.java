package org.containerj.snapshots.storage;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.HashSet;
import java.util.Set;

import org.containerj.api.errdefs.ContainerjException;
import org.containerj.api.snapshots.SnapshotUsage;
import org.containerj.nativeio.ErrnoException;
import org.containerj.nativeio.LibC;
import org.containerj.nativeio.Stat;

/**
 * The disk a tree takes, counted as containerd counts it: every distinct inode (device
 * and inode number) once, however many hard links name it, and the space allocated to
 * it ({@code st_blocks * 512}, so holes in sparse files cost nothing). The root itself
 * counts. Symbolic links are not followed. Files that vanish during the walk (the tree
 * of a running container) are skipped.
 */
public final class DiskUsage {
    private DiskUsage() {
    }

    /** The usage of {@code root}; NOT_FOUND when it does not exist. */
    public static SnapshotUsage of(Path root) {
        Counter counter = new Counter();
        try {
            Files.walkFileTree(root, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                    counter.add(dir);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    counter.add(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
                    if (e instanceof NoSuchFileException && !file.equals(root)) {
                        return FileVisitResult.CONTINUE;
                    }
                    throw e;
                }
            });
        } catch (NoSuchFileException e) {
            throw ContainerjException.notFound("%s: no such file or directory", root);
        } catch (IOException e) {
            throw ContainerjException.internal("cannot compute the disk usage of " + root + ": " + e.getMessage(), e);
        }
        return counter.usage();
    }

    /** Adds up distinct inodes; usable for trees walked by other means. */
    public static final class Counter {
        private record Inode(long dev, long ino) {
        }

        private final Set<Inode> seen = new HashSet<>();
        private long size;

        /** Counts {@code path} (not followed when a symbolic link) unless its inode was counted. */
        public void add(Path path) throws IOException {
            Stat st;
            try {
                st = LibC.lstat(path);
            } catch (ErrnoException e) {
                if (e.errno() == 2) { // ENOENT: removed while walking
                    return;
                }
                throw e;
            }
            add(st);
        }

        public void add(Stat st) {
            if (seen.add(new Inode(st.dev(), st.ino()))) {
                size += st.allocated();
            }
        }

        public SnapshotUsage usage() {
            return new SnapshotUsage(seen.size(), size);
        }
    }
}
