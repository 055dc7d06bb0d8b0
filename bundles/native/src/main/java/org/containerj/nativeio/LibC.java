package org.containerj.nativeio;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import jnr.posix.FileStat;
import jnr.posix.POSIX;
import org.containerj.nativeio.impl.Libraries;

/**
 * containerj's direct calls into the C library: the few system calls the JDK does not
 * offer. Each failing call throws {@link ErrnoException} carrying errno. The binding is
 * generated on first use (about a second); every method is thread-safe.
 */
public final class LibC {

    /** open(2) flags used here; the same values on x86_64 and aarch64 (asm-generic). */
    private static final int O_PATH = 010000000;
    private static final int O_CLOEXEC = 02000000;
    private static final int ERANGE = 34;
    private static final int AT_FDCWD = -100;
    private static final int AT_SYMLINK_NOFOLLOW = 0x100;

    private LibC() {
    }

    /**
     * mount(2). {@code source}, {@code fstype} and {@code data} may be null where the
     * kernel allows it (bind mounts, propagation changes, remounts).
     */
    public static void mount(String source, Path target, String fstype, long flags, String data)
            throws ErrnoException {
        Objects.requireNonNull(target, "target");
        String t = target.toString();
        if (Libraries.libc().mount(source, t, fstype, flags, data) != 0) {
            throw new ErrnoException("mount", describeMount(source, t, fstype, flags, data), Libraries.lastErrno());
        }
    }

    /** umount2(2) with {@link MountFlags} {@code MNT_*} flags (0 for a plain unmount). */
    public static void unmount(Path target, int flags) throws ErrnoException {
        Objects.requireNonNull(target, "target");
        String t = target.toString();
        if (Libraries.libc().umount2(t, flags) != 0) {
            throw new ErrnoException("umount2", t, Libraries.lastErrno());
        }
    }

    /** chown(2), following a symbolic link; -1 leaves the owner or group unchanged. */
    public static void chown(Path path, int uid, int gid) throws ErrnoException {
        String p = path.toString();
        if (Libraries.libc().chown(p, uid, gid) != 0) {
            throw new ErrnoException("chown", p, Libraries.lastErrno());
        }
    }

    /** lchown(2): changes a symbolic link itself; -1 leaves the owner or group unchanged. */
    public static void lchown(Path path, int uid, int gid) throws ErrnoException {
        String p = path.toString();
        if (Libraries.libc().lchown(p, uid, gid) != 0) {
            throw new ErrnoException("lchown", p, Libraries.lastErrno());
        }
    }

    /** lstat(2): about {@code path} itself, not what a symbolic link points to. */
    public static Stat lstat(Path path) throws ErrnoException {
        String p = path.toString();
        POSIX posix = Libraries.posix();
        FileStat st = posix.allocateStat();
        if (posix.lstat(p, st) != 0) {
            throw new ErrnoException("lstat", p, posix.errno());
        }
        return new Stat(st.dev(), st.ino(), st.mode(), st.nlink(), st.uid(), st.gid(), st.rdev(), st.st_size(),
                st.blocks());
    }

    /**
     * mknod(2): creates a device node, FIFO or socket file; {@code mode} holds the file
     * type ({@link Stat#S_IFCHR} ...) and the permission bits (less the umask), {@code dev}
     * the device number as lstat's {@code rdev} reports it.
     */
    public static void mknod(Path path, int mode, long dev) throws ErrnoException {
        String p = path.toString();
        if (Libraries.libc().mknod(p, mode, dev) != 0) {
            throw new ErrnoException("mknod", p, Libraries.lastErrno());
        }
    }

    /**
     * chmod(2): sets all of {@code mode}'s 07777 bits (set-user-ID, set-group-ID, sticky,
     * permissions), following a symbolic link. Unlike NIO's no-follow variant it never opens
     * the file, so it is safe on FIFOs and device nodes.
     */
    public static void chmod(Path path, int mode) throws ErrnoException {
        String p = path.toString();
        if (Libraries.libc().chmod(p, mode & 07777) != 0) {
            throw new ErrnoException("chmod", p, Libraries.lastErrno());
        }
    }

    /**
     * utimensat(2) on {@code path} itself (a symbolic link is not followed): sets the access
     * and modification times, each as seconds and nanoseconds since the epoch.
     */
    public static void setTimes(Path path, long accessSeconds, int accessNanos, long modifySeconds, int modifyNanos)
            throws ErrnoException {
        String p = path.toString();
        long[] times = {accessSeconds, accessNanos, modifySeconds, modifyNanos};
        if (Libraries.libc().utimensat(AT_FDCWD, p, times, AT_SYMLINK_NOFOLLOW) != 0) {
            throw new ErrnoException("utimensat", p, Libraries.lastErrno());
        }
    }

    /**
     * Opens {@code path} with {@code O_PATH | O_CLOEXEC}: a descriptor that only names the
     * file, usable as {@code /proc/self/fd/N} in paths given to the kernel. Close it with
     * {@link #close(int)}.
     */
    public static int openPath(Path path) throws ErrnoException {
        String p = path.toString();
        int fd = Libraries.libc().open(p, O_PATH | O_CLOEXEC, 0);
        if (fd < 0) {
            throw new ErrnoException("open", p, Libraries.lastErrno());
        }
        return fd;
    }

    /** close(2). */
    public static void close(int fd) throws ErrnoException {
        if (Libraries.libc().close(fd) != 0) {
            throw new ErrnoException("close", "fd " + fd, Libraries.lastErrno());
        }
    }

    /** llistxattr(2): the names of the extended attributes of {@code path} itself. */
    public static List<String> listXattrs(Path path) throws ErrnoException {
        String p = path.toString();
        for (int attempt = 0; ; attempt++) {
            long size = Libraries.libc().llistxattr(p, null, 0);
            if (size < 0) {
                throw new ErrnoException("llistxattr", p, Libraries.lastErrno());
            }
            if (size == 0) {
                return List.of();
            }
            byte[] buffer = new byte[(int) size];
            long got = Libraries.libc().llistxattr(p, buffer, buffer.length);
            if (got < 0) {
                int errno = Libraries.lastErrno();
                if (errno == ERANGE && attempt < 3) {
                    continue; // grew meanwhile
                }
                throw new ErrnoException("llistxattr", p, errno);
            }
            List<String> names = new ArrayList<>();
            int start = 0;
            for (int i = 0; i < got; i++) {
                if (buffer[i] == 0) {
                    if (i > start) {
                        names.add(new String(buffer, start, i - start, StandardCharsets.UTF_8));
                    }
                    start = i + 1;
                }
            }
            return names;
        }
    }

    /** lgetxattr(2): the value of extended attribute {@code name} of {@code path} itself. */
    public static byte[] getXattr(Path path, String name) throws ErrnoException {
        String p = path.toString();
        for (int attempt = 0; ; attempt++) {
            long size = Libraries.libc().lgetxattr(p, name, null, 0);
            if (size < 0) {
                throw new ErrnoException("lgetxattr", p + " " + name, Libraries.lastErrno());
            }
            byte[] value = new byte[(int) size];
            if (size == 0) {
                return value;
            }
            long got = Libraries.libc().lgetxattr(p, name, value, value.length);
            if (got < 0) {
                int errno = Libraries.lastErrno();
                if (errno == ERANGE && attempt < 3) {
                    continue;
                }
                throw new ErrnoException("lgetxattr", p + " " + name, errno);
            }
            return got == value.length ? value : java.util.Arrays.copyOf(value, (int) got);
        }
    }

    /** lsetxattr(2): sets extended attribute {@code name} of {@code path} itself. */
    public static void setXattr(Path path, String name, byte[] value) throws ErrnoException {
        String p = path.toString();
        if (Libraries.libc().lsetxattr(p, name, value, value.length, 0) != 0) {
            throw new ErrnoException("lsetxattr", p + " " + name, Libraries.lastErrno());
        }
    }

    public static int getuid() {
        return Libraries.libc().getuid();
    }

    public static int geteuid() {
        return Libraries.libc().geteuid();
    }

    public static int getgid() {
        return Libraries.libc().getgid();
    }

    public static int getegid() {
        return Libraries.libc().getegid();
    }

    public static int getpid() {
        return Libraries.libc().getpid();
    }

    private static String describe(String s) {
        return s == null ? "none" : s;
    }

    private static String describeMount(String source, String target, String fstype, long flags, String data) {
        return describe(source) + " on " + target + " (type " + describe(fstype) + ", flags 0x"
                + Long.toHexString(flags) + (data == null ? "" : ", data " + data) + ")";
    }
}
