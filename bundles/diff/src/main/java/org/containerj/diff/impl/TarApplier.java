package org.containerj.diff.impl;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFileAttributes;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.containerj.api.errdefs.ContainerjException;
import org.containerj.api.errdefs.ErrorKind;
import org.containerj.nativeio.ErrnoException;
import org.containerj.nativeio.LibC;
import org.containerj.nativeio.Stat;
import org.tinylog.Logger;

/**
 * Applies an OCI layer tar (uncompressed) onto a directory: the changeset semantics of the
 * OCI image spec, with {@code .wh.NAME} deleting NAME and {@code .wh..wh..opq} hiding
 * what a directory held before this layer. Modes, owners, times, symbolic and hard links,
 * device nodes and {@code SCHILY.xattr.*} attributes are kept.
 *
 * <p>Nothing is ever written outside the root: entry names are cleaned lexically (an
 * absolute name or one that climbs above the root is INVALID_ARGUMENT), and the parent of
 * every entry is resolved with {@link ScopedPaths}, so symbolic links in the tree are
 * followed as inside a chroot; the entry itself is never followed.
 *
 * <p>With {@link Whiteouts#OVERLAY} the root is an overlayfs upper directory: whiteouts
 * become character devices 0/0 and opaque markers the {@code trusted.overlay.opaque}
 * attribute, and missing parent directories take their attributes from the lower
 * directories ({@code parents}, top first).
 */
public final class TarApplier {
    static final String WHITEOUT_PREFIX = ".wh.";
    static final String WHITEOUT_META_PREFIX = WHITEOUT_PREFIX + WHITEOUT_PREFIX;
    static final String OPAQUE = WHITEOUT_META_PREFIX + ".opq";
    static final String XATTR_PREFIX = "SCHILY.xattr.";
    static final String OVERLAY_OPAQUE_XATTR = "trusted.overlay.opaque";

    /** How deletions are represented in the target directory. */
    public enum Whiteouts {
        /** Delete the files (a plain directory, e.g. a native or btrfs snapshot). */
        DELETE,
        /** Record them as overlayfs does in an upper directory. */
        OVERLAY
    }

    private final Path root;
    private final Whiteouts whiteouts;
    private final List<Path> parents;
    private final Set<Path> unpacked = new HashSet<>();
    private final List<Object[]> dirTimes = new ArrayList<>();
    /** Large reads inflate and hash in fewer, longer calls and write in fewer syscalls than transferTo's 8 KiB. */
    private final byte[] copyBuffer = new byte[256 * 1024];

    /** Set when the lower layers are not the real parents: an implicit directory cannot get its attributes. */
    private final boolean detachedParents;

    private TarApplier(Path root, Whiteouts whiteouts, List<Path> parents, boolean detachedParents) {
        this.root = root;
        this.whiteouts = whiteouts;
        this.parents = parents;
        this.detachedParents = detachedParents;
    }

    /**
     * Applies the tar read from {@code tar} onto {@code root} (which must exist) with
     * deleting whiteouts. Returns the sum of the entries' sizes. The stream is read up to the
     * end of the archive, not beyond.
     */
    public static long apply(InputStream tar, Path root) {
        return apply(tar, root, Whiteouts.DELETE, List.of());
    }

    /** As {@link #apply(InputStream, Path)}, with the given whiteout representation. */
    public static long apply(InputStream tar, Path root, Whiteouts whiteouts, List<Path> parents) {
        return apply(tar, root, whiteouts, parents, false);
    }

    /**
     * As {@link #apply(InputStream, Path, Whiteouts, List)}; with {@code detachedParents} a
     * directory the layer creates only implicitly fails the apply with FAILED_PRECONDITION.
     */
    public static long apply(InputStream tar, Path root, Whiteouts whiteouts, List<Path> parents,
            boolean detachedParents) {
        Path r = root.toAbsolutePath().normalize();
        if (!Files.isDirectory(r, LinkOption.NOFOLLOW_LINKS)) {
            throw ContainerjException.invalidArgument("apply target %s is not a directory", root);
        }
        try {
            return new TarApplier(r, whiteouts, List.copyOf(parents), detachedParents).run(tar);
        } catch (IOException e) {
            throw new ContainerjException(ErrorKind.UNKNOWN, "failed to apply layer: " + e.getMessage(), e);
        } catch (IllegalArgumentException | IllegalStateException e) {
            // what commons-compress throws for malformed headers
            throw new ContainerjException(ErrorKind.INVALID_ARGUMENT, "invalid tar in layer: " + e.getMessage(), e);
        }
    }

    private long run(InputStream in) throws IOException {
        TarArchiveInputStream tar = new TarArchiveInputStream(in, StandardCharsets.UTF_8.name());
        long size = 0;
        TarArchiveEntry entry;
        while ((entry = tar.getNextEntry()) != null) {
            size += Math.max(0, entry.getSize());
            applyEntry(entry, tar);
        }
        for (Object[] dir : dirTimes) {
            if (Files.isDirectory((Path) dir[0], LinkOption.NOFOLLOW_LINKS)) {
                setTimes((Path) dir[0], (TarArchiveEntry) dir[1]);
            }
        }
        return size;
    }

    private void applyEntry(TarArchiveEntry entry, InputStream data) throws IOException {
        if (entry.isGlobalPaxHeader()) {
            return;
        }
        List<String> parts = ScopedPaths.components(entry.getName());
        if (parts.isEmpty()) {
            return; // the root itself
        }
        String base = parts.get(parts.size() - 1);
        List<String> parentParts = parts.subList(0, parts.size() - 1);
        Path parent = ScopedPaths.resolve(root, parentParts);
        if (!parent.equals(root)) {
            makeParents(parent);
        }

        if (base.startsWith(WHITEOUT_PREFIX)) {
            applyWhiteout(entry, parentParts, parent, base);
            return;
        }

        Path path = parent.resolve(base);
        if (ScopedPaths.exists(path)) {
            boolean bothDirs = entry.isDirectory() && Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS);
            if (!bothDirs) {
                deleteTree(path);
            }
        }

        if (entry.isDirectory()) {
            if (!Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)) {
                Files.createDirectory(path);
            }
        } else if (entry.isSymbolicLink()) {
            Files.createSymbolicLink(path, Path.of(entry.getLinkName()));
        } else if (entry.isLink()) {
            Path target = hardLinkTarget(entry.getLinkName());
            if (!ScopedPaths.exists(target)) {
                throw ContainerjException.invalidArgument("hard link %s to %s: target not in layer or below it",
                        ScopedPaths.quote(entry.getName()), ScopedPaths.quote(entry.getLinkName()));
            }
            Files.createLink(path, target);
        } else if (entry.isCharacterDevice() || entry.isBlockDevice() || entry.isFIFO()) {
            int type = entry.isCharacterDevice() ? Stat.S_IFCHR : entry.isBlockDevice() ? Stat.S_IFBLK : Stat.S_IFIFO;
            LibC.mknod(path, type | (entry.getMode() & 07777), makedev(entry.getDevMajor(), entry.getDevMinor()));
        } else if (entry.isFile()) {
            try (OutputStream out = Files.newOutputStream(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE,
                    LinkOption.NOFOLLOW_LINKS)) {
                for (int n; (n = data.read(copyBuffer)) >= 0;) {
                    out.write(copyBuffer, 0, n);
                }
            }
        } else {
            throw ContainerjException.invalidArgument("unhandled tar header type for %s",
                    ScopedPaths.quote(entry.getName()));
        }

        if (entry.isLink()) {
            // a hard link shares its target's inode: owner, mode, times and attributes are the
            // target's already, and a chown would clear a set-user-ID bit
            unpacked.add(path);
            return;
        }
        LibC.lchown(path, (int) entry.getLongUserId(), (int) entry.getLongGroupId());
        for (Map.Entry<String, String> pax : entry.getExtraPaxHeaders().entrySet()) {
            if (pax.getKey().startsWith(XATTR_PREFIX)) {
                setXattr(path, pax.getKey().substring(XATTR_PREFIX.length()), pax.getValue());
            }
        }
        if (!entry.isSymbolicLink()) {
            // after the owner: chown clears set-user-ID and set-group-ID. chmod(2) by path:
            // opening a FIFO or device node to change its mode would block or worse.
            LibC.chmod(path, entry.getMode() & 07777);
        }
        if (entry.isDirectory()) {
            dirTimes.add(new Object[] {path, entry}); // once nothing is written into it any more
        } else {
            setTimes(path, entry);
        }
        unpacked.add(path);
    }

    private void applyWhiteout(TarArchiveEntry entry, List<String> parentParts, Path parent, String base)
            throws IOException {
        if (base.equals(OPAQUE)) {
            if (!Files.isDirectory(parent, LinkOption.NOFOLLOW_LINKS)) {
                return;
            }
            if (whiteouts == Whiteouts.OVERLAY) {
                LibC.setXattr(parent, OVERLAY_OPAQUE_XATTR, new byte[] {'y'});
                return;
            }
            try (DirectoryStream<Path> children = Files.newDirectoryStream(parent)) {
                for (Path child : children) {
                    if (!unpacked.contains(child)) {
                        deleteTree(child);
                    }
                }
            }
            return;
        }
        if (base.startsWith(WHITEOUT_META_PREFIX)) {
            return; // aufs metadata (.wh..wh.plnk, ...): not part of the tree
        }
        String name = base.substring(WHITEOUT_PREFIX.length());
        if (name.isEmpty() || name.equals(".") || name.equals("..")) {
            throw ContainerjException.invalidArgument("invalid whiteout name %s", ScopedPaths.quote(entry.getName()));
        }
        Path target = parent.resolve(name);
        if (whiteouts == Whiteouts.OVERLAY) {
            if (ScopedPaths.exists(target)) {
                deleteTree(target);
            }
            LibC.mknod(target, Stat.S_IFCHR, 0);
            LibC.lchown(target, (int) entry.getLongUserId(), (int) entry.getLongGroupId());
            return;
        }
        if (ScopedPaths.exists(target)) {
            deleteTree(target);
        }
    }

    /** A hard link's target, resolved as containerd does: the parent inside the root, the name itself not followed. */
    private Path hardLinkTarget(String linkName) throws IOException {
        List<String> parts = ScopedPaths.components(linkName);
        if (parts.isEmpty()) {
            throw ContainerjException.invalidArgument("hard link to the root %s", ScopedPaths.quote(linkName));
        }
        Path parent = ScopedPaths.resolve(root, parts.subList(0, parts.size() - 1));
        return parent.resolve(parts.get(parts.size() - 1));
    }

    /**
     * Creates the missing directories down to {@code dir} (already resolved, so nothing on
     * the way is a link), each like the same directory in the first lower layer that has
     * it, else 0755 owned by root.
     */
    private void makeParents(Path dir) throws IOException {
        if (Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        List<Path> missing = new ArrayList<>();
        for (Path p = dir; !p.equals(root) && !ScopedPaths.exists(p); p = p.getParent()) {
            missing.add(0, p);
        }
        if (detachedParents && !missing.isEmpty()) {
            throw ContainerjException.failedPrecondition(
                    "layer creates directory %s implicitly; its attributes come from lower layers",
                    root.relativize(missing.get(0)));
        }
        for (Path p : missing) {
            Files.createDirectory(p);
            unpacked.add(p); // made for this layer's entries: an opaque marker must not remove it
            Path rel = root.relativize(p);
            for (Path lower : parents) {
                Path same = lower.resolve(rel);
                if (Files.isDirectory(same, LinkOption.NOFOLLOW_LINKS)) {
                    Stat st = LibC.lstat(same);
                    PosixFileAttributes a = Files.readAttributes(same, PosixFileAttributes.class,
                            LinkOption.NOFOLLOW_LINKS);
                    LibC.lchown(p, st.uid(), st.gid());
                    LibC.chmod(p, st.permissions());
                    Instant m = a.lastModifiedTime().toInstant();
                    Instant at = a.lastAccessTime().toInstant();
                    LibC.setTimes(p, at.getEpochSecond(), at.getNano(), m.getEpochSecond(), m.getNano());
                    break;
                }
            }
            if (!Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                throw new IOException("could not create " + p);
            }
        }
    }

    private static void setXattr(Path path, String name, String value) throws ErrnoException {
        try {
            LibC.setXattr(path, name, value.getBytes(StandardCharsets.UTF_8));
        } catch (ErrnoException e) {
            if (e.errno() == 95) { // EOPNOTSUPP: the filesystem has no such attributes
                Logger.tag("diff").warn("ignored xattr {} on {}: {}", name, path, e.getMessage());
                return;
            }
            throw e;
        }
    }

    /** Modification time from the entry, access time the later of both, on the path itself (utimensat). */
    private static void setTimes(Path path, TarArchiveEntry entry) throws IOException {
        Instant mtime = entry.getLastModifiedTime().toInstant();
        FileTime a = entry.getLastAccessTime();
        Instant atime = a == null || a.toInstant().isBefore(mtime) ? mtime : a.toInstant();
        LibC.setTimes(path, atime.getEpochSecond(), atime.getNano(), mtime.getEpochSecond(), mtime.getNano());
    }

    /** Deletes {@code path} and, for a directory, everything under it; never follows links. */
    static void deleteTree(Path path) throws IOException {
        if (Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)) {
            try (DirectoryStream<Path> children = Files.newDirectoryStream(path)) {
                for (Path child : children) {
                    deleteTree(child);
                }
            }
        }
        try {
            Files.delete(path);
        } catch (NoSuchFileException e) {
            // gone already
        }
    }

    /** The device number glibc's makedev(3) builds from major and minor. */
    static long makedev(long major, long minor) {
        return ((major & 0xfffff000L) << 32) | ((major & 0xfffL) << 8) | ((minor & 0xffffff00L) << 12)
                | (minor & 0xffL);
    }
}
