package org.containerj.diff.impl;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.containerj.api.errdefs.ContainerjException;
import org.containerj.api.errdefs.ErrorKind;
import org.containerj.nativeio.ErrnoException;
import org.containerj.nativeio.LibC;
import org.containerj.nativeio.Stat;

/**
 * Writes the changes from a lower to an upper directory tree as an OCI layer tar: what
 * was added or changed in the upper tree with its parent directories, and a
 * {@code .wh.NAME} whiteout for what is gone (the top-most path only). Both trees are
 * walked side by side in name order, so the same trees always give the same tar.
 * Hard-linked files are written once and linked to after that. Times are whole seconds. A file counts as changed
 * when its type, mode, owner, size, modification time, link target or device differ, or,
 * when the time has no sub-second part (a coarse filesystem), when its bytes differ.
 */
public final class TreeComparer {
    private static final String CAPABILITY_XATTR = "security.capability";

    private final Path lower;
    private final Path upper;
    private final TarArchiveOutputStream tar;
    private final Instant clamp;
    private final FileTime whiteoutTime;
    private final Set<String> writtenDirs = new HashSet<>();
    private final Map<String, String> linkSources = new HashMap<>();

    private TreeComparer(Path lower, Path upper, OutputStream out, Instant clamp) {
        this.lower = lower;
        this.upper = upper;
        this.clamp = clamp;
        this.whiteoutTime = FileTime.from((clamp != null ? clamp : Instant.now()).truncatedTo(ChronoUnit.SECONDS));
        this.tar = new TarArchiveOutputStream(out, StandardCharsets.UTF_8.name());
        tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
        tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
        tar.setAddPaxHeadersForNonAsciiNames(true);
    }

    /**
     * Writes the layer of the changes from {@code lower} to {@code upper} into {@code out}
     * (not closed). Times later than {@code sourceDateEpoch} (null for none) are clamped to it.
     */
    public static void write(Path lower, Path upper, OutputStream out, Instant sourceDateEpoch) {
        try {
            TreeComparer c = new TreeComparer(lower.toAbsolutePath().normalize(), upper.toAbsolutePath().normalize(),
                    out, sourceDateEpoch);
            c.compareDir("");
            c.tar.finish();
            c.tar.flush();
        } catch (IOException e) {
            throw new ContainerjException(ErrorKind.UNKNOWN, "failed to create diff tar stream: " + e.getMessage(), e);
        }
    }

    private void compareDir(String rel) throws IOException {
        Path l = at(lower, rel);
        Path u = at(upper, rel);
        TreeSet<String> names = new TreeSet<>();
        boolean lowerIsDir = Files.isDirectory(l, LinkOption.NOFOLLOW_LINKS);
        if (lowerIsDir) {
            names.addAll(list(l));
        }
        names.addAll(list(u));
        for (String name : names) {
            String childRel = rel.isEmpty() ? name : rel + "/" + name;
            Path lc = l.resolve(name);
            Path uc = u.resolve(name);
            boolean inLower = lowerIsDir && Files.exists(lc, LinkOption.NOFOLLOW_LINKS);
            boolean inUpper = Files.exists(uc, LinkOption.NOFOLLOW_LINKS);
            if (!inUpper) {
                writeWhiteout(rel, name);
            } else if (!inLower) {
                addTree(childRel);
            } else {
                Stat ls = stat(lc);
                Stat us = stat(uc);
                boolean bothDirs = ls.type() == Stat.S_IFDIR && us.type() == Stat.S_IFDIR;
                if (bothDirs) {
                    if (!sameMetadata(lc, ls, uc, us)) {
                        writeEntry(childRel, uc, us);
                    }
                    compareDir(childRel);
                } else if (ls.type() != us.type()) {
                    addTree(childRel);
                } else if (!sameFile(lc, ls, uc, us)) {
                    writeEntry(childRel, uc, us);
                }
            }
        }
    }

    /** Writes {@code rel} from the upper tree and, for a directory, everything below it. */
    private void addTree(String rel) throws IOException {
        Path u = at(upper, rel);
        Stat s = stat(u);
        writeEntry(rel, u, s);
        if (s.type() == Stat.S_IFDIR) {
            for (String name : new TreeSet<>(list(u))) {
                addTree(rel + "/" + name);
            }
        }
    }

    private void writeWhiteout(String parentRel, String name) throws IOException {
        includeParents(parentRel);
        String entryName = (parentRel.isEmpty() ? "" : parentRel + "/") + TarApplier.WHITEOUT_PREFIX + name;
        TarArchiveEntry e = new TarArchiveEntry(entryName, TarConstants.LF_NORMAL, true);
        e.setSize(0);
        e.setMode(0644 | Stat.S_IFREG);
        e.setLastModifiedTime(whiteoutTime);
        tar.putArchiveEntry(e);
        tar.closeArchiveEntry();
    }

    /** Writes the directories above {@code rel} that have not been written yet, top first. */
    private void includeParents(String dirRel) throws IOException {
        if (dirRel.isEmpty() || writtenDirs.contains(dirRel)) {
            return;
        }
        int slash = dirRel.lastIndexOf('/');
        includeParents(slash < 0 ? "" : dirRel.substring(0, slash));
        Path u = at(upper, dirRel);
        writeHeader(dirRel, u, stat(u));
    }

    private void writeEntry(String rel, Path path, Stat s) throws IOException {
        int slash = rel.lastIndexOf('/');
        includeParents(slash < 0 ? "" : rel.substring(0, slash));
        if (s.type() == Stat.S_IFDIR && writtenDirs.contains(rel)) {
            return;
        }
        writeHeader(rel, path, s);
    }

    private void writeHeader(String rel, Path path, Stat s) throws IOException {
        int type = s.type();
        TarArchiveEntry e;
        boolean withData = false;
        String inode = s.dev() + ":" + s.ino();
        if (type == Stat.S_IFDIR) {
            e = new TarArchiveEntry(rel + "/", TarConstants.LF_DIR, true);
            writtenDirs.add(rel);
        } else if (type == Stat.S_IFLNK) {
            e = new TarArchiveEntry(rel, TarConstants.LF_SYMLINK, true);
            e.setLinkName(Files.readSymbolicLink(path).toString());
        } else if (type == Stat.S_IFREG && s.nlink() > 1 && linkSources.containsKey(inode)) {
            e = new TarArchiveEntry(rel, TarConstants.LF_LINK, true);
            e.setLinkName(linkSources.get(inode));
        } else if (type == Stat.S_IFREG) {
            e = new TarArchiveEntry(rel, TarConstants.LF_NORMAL, true);
            e.setSize(s.size());
            withData = true;
            if (s.nlink() > 1) {
                linkSources.put(inode, rel);
            }
        } else if (type == Stat.S_IFCHR || type == Stat.S_IFBLK || type == Stat.S_IFIFO) {
            byte flag = type == Stat.S_IFCHR ? TarConstants.LF_CHR
                    : type == Stat.S_IFBLK ? TarConstants.LF_BLK : TarConstants.LF_FIFO;
            e = new TarArchiveEntry(rel, flag, true);
            long rdev = s.rdev();
            e.setDevMajor((int) (((rdev >>> 32) & 0xfffff000L) | ((rdev >>> 8) & 0xfffL)));
            e.setDevMinor((int) (((rdev >>> 12) & 0xffffff00L) | (rdev & 0xffL)));
        } else {
            return; // sockets are not archived
        }
        e.setMode(s.mode());
        e.setUserId(s.uid());
        e.setGroupId(s.gid());
        // whole seconds, as containerd writes them (readers differ on sub-second times)
        Instant mtime = Files.getLastModifiedTime(path, LinkOption.NOFOLLOW_LINKS).toInstant()
                .truncatedTo(ChronoUnit.SECONDS);
        if (clamp != null && mtime.isAfter(clamp)) {
            mtime = clamp;
        }
        e.setLastModifiedTime(FileTime.from(mtime));
        byte[] capability = xattr(path, CAPABILITY_XATTR);
        if (capability != null) {
            e.addPaxHeader(TarApplier.XATTR_PREFIX + CAPABILITY_XATTR, new String(capability, StandardCharsets.UTF_8));
        }
        tar.putArchiveEntry(e);
        if (withData) {
            try (InputStream in = Files.newInputStream(path, LinkOption.NOFOLLOW_LINKS)) {
                long copied = in.transferTo(tar);
                if (copied != s.size()) {
                    throw new IOException("short write copying " + path);
                }
            }
        }
        tar.closeArchiveEntry();
    }

    private static boolean sameMetadata(Path a, Stat as, Path b, Stat bs) throws IOException {
        return as.mode() == bs.mode() && as.uid() == bs.uid() && as.gid() == bs.gid()
                && Files.getLastModifiedTime(a, LinkOption.NOFOLLOW_LINKS)
                        .equals(Files.getLastModifiedTime(b, LinkOption.NOFOLLOW_LINKS))
                && Arrays.equals(xattr(a, CAPABILITY_XATTR), xattr(b, CAPABILITY_XATTR));
    }

    private static boolean sameFile(Path a, Stat as, Path b, Stat bs) throws IOException {
        if (!sameMetadata(a, as, b, bs) || as.size() != bs.size() || as.rdev() != bs.rdev()) {
            return false;
        }
        if (as.type() == Stat.S_IFLNK) {
            return Files.readSymbolicLink(a).equals(Files.readSymbolicLink(b));
        }
        if (as.type() == Stat.S_IFREG) {
            if (as.dev() == bs.dev() && as.ino() == bs.ino()) {
                return true;
            }
            FileTime t = Files.getLastModifiedTime(a, LinkOption.NOFOLLOW_LINKS);
            if (t.toInstant().getNano() == 0) {
                return Files.mismatch(a, b) == -1;
            }
        }
        return true;
    }

    private static Path at(Path root, String rel) {
        return rel.isEmpty() ? root : root.resolve(rel);
    }

    private static List<String> list(Path dir) throws IOException {
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).toList();
        }
    }

    private static Stat stat(Path path) throws IOException {
        return LibC.lstat(path);
    }

    private static byte[] xattr(Path path, String name) {
        try {
            return LibC.getXattr(path, name);
        } catch (ErrnoException e) {
            return null; // ENODATA, or no xattrs on this filesystem
        }
    }
}
