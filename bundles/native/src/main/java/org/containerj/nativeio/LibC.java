package org.containerj.nativeio;

import java.nio.file.Path;
import java.util.Objects;
import org.containerj.nativeio.impl.Libraries;

/**
 * containerj's direct calls into the C library: the few system calls the JDK does not
 * offer. Each failing call throws {@link ErrnoException} carrying errno. The binding is
 * generated on first use (about a second); every method is thread-safe.
 */
public final class LibC {

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
