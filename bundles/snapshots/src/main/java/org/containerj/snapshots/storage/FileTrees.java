package org.containerj.snapshots.storage;

import java.io.IOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;

import org.tinylog.Logger;

/**
 * The directory work every file-based snapshotter does: removing trees the way a
 * snapshotter must (never through a mount point), making its private directories, and
 * finding the highest snapshot number on disk.
 */
public final class FileTrees {
    private FileTrees() {
    }

    /**
     * Deletes {@code root} and everything below it, without following symbolic links and
     * without descending into a directory on another device (something mounted there,
     * which is left alone and makes the removal of its parents fail). A missing root is
     * not an error.
     *
     * @return true when {@code root} is gone
     */
    public static boolean deleteTree(Path root) throws IOException {
        Object rootDevice;
        try {
            rootDevice = Files.getAttribute(root, "unix:dev", LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            return true;
        }
        boolean[] complete = {true};
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                Object device = Files.getAttribute(dir, "unix:dev", LinkOption.NOFOLLOW_LINKS);
                if (!device.equals(rootDevice)) {
                    Logger.tag("snapshots").warn("not removing {}: another file system is mounted there", dir);
                    complete[0] = false;
                    return FileVisitResult.SKIP_SUBTREE;
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.deleteIfExists(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
                if (e instanceof NoSuchFileException) {
                    return FileVisitResult.CONTINUE;
                }
                throw e;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
                if (e != null && !(e instanceof NoSuchFileException)) {
                    throw e;
                }
                try {
                    Files.deleteIfExists(dir);
                } catch (DirectoryNotEmptyException notEmpty) {
                    if (complete[0]) {
                        throw notEmpty;
                    }
                }
                return FileVisitResult.CONTINUE;
            }
        });
        return complete[0] && !Files.exists(root, LinkOption.NOFOLLOW_LINKS);
    }

    /**
     * Deletes a tree as {@link #deleteTree} does, logging instead of throwing: used where
     * a snapshot is already gone from the store and its directory is only space to reclaim.
     */
    public static void deleteQuietly(Path p, String snapshotter) {
        try {
            if (!deleteTree(p)) {
                Logger.tag("snapshots").warn("{}: {} could not be removed completely", snapshotter, p);
            }
        } catch (IOException e) {
            Logger.tag("snapshots").warn("{}: failed to remove {}: {}", snapshotter, p, e.toString());
        }
    }

    /** Creates {@code dir} (and its parents) with mode 0700 when it is not a directory yet. */
    public static void createPrivateDirectory(Path dir) throws IOException {
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        }
    }

    /**
     * The highest snapshot number among the entries of {@code dir}, counting those renamed
     * for removal ({@code removedPrefix} + number); other names are ignored. 0 when none.
     */
    public static long highestId(Path dir, String removedPrefix) throws IOException {
        long highest = 0;
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            for (Path p : entries) {
                String name = p.getFileName().toString();
                if (name.startsWith(removedPrefix)) {
                    name = name.substring(removedPrefix.length());
                }
                try {
                    highest = Math.max(highest, Long.parseLong(name));
                } catch (NumberFormatException notAnId) {
                    // temporary and foreign entries, left for cleanup
                }
            }
        }
        return highest;
    }
}
