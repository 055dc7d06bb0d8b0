package org.containerj.nativeio;

/**
 * What lstat(2) tells about a file, as far as containerj needs it: identity ({@code dev},
 * {@code ino}), type and permission bits ({@code mode}), owner, device number of a
 * device node ({@code rdev}), size in bytes and space allocated in 512-byte
 * {@code blocks}.
 */
public record Stat(long dev, long ino, int mode, long nlink, int uid, int gid, long rdev, long size, long blocks) {

    /** File type mask and types of {@code mode} (sys/stat.h). */
    public static final int S_IFMT = 0170000;
    public static final int S_IFSOCK = 0140000;
    public static final int S_IFLNK = 0120000;
    public static final int S_IFREG = 0100000;
    public static final int S_IFBLK = 0060000;
    public static final int S_IFDIR = 0040000;
    public static final int S_IFCHR = 0020000;
    public static final int S_IFIFO = 0010000;

    /** The file type bits of {@code mode}, one of the {@code S_IF*} constants. */
    public int type() {
        return mode & S_IFMT;
    }

    /** Permission bits including set-user-ID, set-group-ID and sticky (07777). */
    public int permissions() {
        return mode & 07777;
    }

    /** Bytes allocated on disk: {@code blocks * 512}. */
    public long allocated() {
        return blocks * 512;
    }
}
