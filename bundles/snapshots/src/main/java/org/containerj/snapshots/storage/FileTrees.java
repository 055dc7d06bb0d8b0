package org.containerj.snapshots.storage;

import java.io.IOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;

import org.tinylog.Logger;

/** Removing directory trees the way a snapshotter must: never through a mount point. */
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
}
