package org.containerj.snapshotter.nativecopy.impl;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

import org.containerj.nativeio.ErrnoException;
import org.containerj.nativeio.LibC;
import org.containerj.nativeio.Stat;
import org.tinylog.Logger;

/**
 * Copies a tree as a root file system must be copied: regular files, directories,
 * symbolic links, device nodes, FIFOs and sockets, each with its owner, full mode
 * (set-user-ID and set-group-ID bits included), extended attributes (file capabilities,
 * ACLs, overlay and user attributes, where the target file system takes them) and
 * modification and access times; files hard-linked together in the source are
 * hard-linked together in the copy. Symbolic links are copied, never followed.
 */
final class TreeCopier {
    private record Inode(long dev, long ino) {
    }

    private final Path source;
    private final Path target;
    private final Map<Inode, Path> linked = new HashMap<>();

    private TreeCopier(Path source, Path target) {
        this.source = source;
        this.target = target;
    }

    /** Copies the contents of directory {@code source} into the existing, empty directory {@code target}. */
    static void copy(Path source, Path target) throws IOException {
        new TreeCopier(source, target).run();
    }

    private void run() throws IOException {
        Files.walkFileTree(source, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                Path to = to(dir);
                if (!dir.equals(source)) {
                    Files.createDirectory(to);
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                copyEntry(file, attrs);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
                if (e != null) {
                    throw e;
                }
                // after the entries, so that writing them did not change the times again
                applyMetadata(dir, to(dir), LibC.lstat(dir),
                        Files.readAttributes(dir, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS));
                return FileVisitResult.CONTINUE;
            }
        });
    }

    private Path to(Path p) {
        return target.resolve(source.relativize(p).toString());
    }

    private void copyEntry(Path file, BasicFileAttributes attrs) throws IOException {
        Stat st = LibC.lstat(file);
        Path to = to(file);
        if (st.nlink() > 1) {
            Inode inode = new Inode(st.dev(), st.ino());
            Path first = linked.get(inode);
            if (first != null) {
                Files.createLink(to, first);
                return;
            }
            linked.put(inode, to);
        }
        switch (st.type()) {
            case Stat.S_IFREG -> Files.copy(file, to, StandardCopyOption.COPY_ATTRIBUTES, LinkOption.NOFOLLOW_LINKS);
            case Stat.S_IFLNK -> Files.createSymbolicLink(to, Files.readSymbolicLink(file));
            case Stat.S_IFCHR, Stat.S_IFBLK, Stat.S_IFIFO, Stat.S_IFSOCK -> LibC.mknod(to, st.mode(), st.rdev());
            default -> throw new IOException("cannot copy " + file + ": unknown file type 0" + Integer.toOctalString(st.type()));
        }
        applyMetadata(file, to, st, attrs);
    }

    private static void applyMetadata(Path from, Path to, Stat st, BasicFileAttributes attrs) throws IOException {
        boolean symlink = st.type() == Stat.S_IFLNK;
        LibC.lchown(to, st.uid(), st.gid());
        if (!symlink) {
            // after chown, which clears the set-user-ID and set-group-ID bits (NIO's
            // no-follow chmod opens the file, which blocks on a FIFO: libc's chmod does not)
            LibC.chmod(to, st.permissions());
        }
        copyXattrs(from, to);
        Instant accessed = attrs.lastAccessTime().toInstant();
        Instant modified = attrs.lastModifiedTime().toInstant();
        LibC.setTimes(to, accessed.getEpochSecond(), accessed.getNano(), modified.getEpochSecond(), modified.getNano());
    }

    /** Copies what extended attributes the target takes; the rest is logged and skipped. */
    private static void copyXattrs(Path from, Path to) throws IOException {
        java.util.List<String> names;
        try {
            names = LibC.listXattrs(from);
        } catch (ErrnoException e) {
            if (unsupported(e)) {
                return;
            }
            throw e;
        }
        for (String name : names) {
            try {
                LibC.setXattr(to, name, LibC.getXattr(from, name));
            } catch (ErrnoException e) {
                if (!unsupported(e) && !e.errnoName().equals("EPERM") && !e.errnoName().equals("ENODATA")) {
                    throw e;
                }
                Logger.tag("snapshots").debug("native: extended attribute {} of {} not copied: {}", name, from,
                        e.getMessage());
            }
        }
    }

    private static boolean unsupported(ErrnoException e) {
        return e.errnoName().equals("EOPNOTSUPP") || e.errnoName().equals("ENOTSUP");
    }
}
