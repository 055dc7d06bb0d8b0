package org.containerj.runtime.runc.impl;

import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Reads the k8s-file log conmon writes for a terminal back into the bytes the terminal
 * produced. Each log line is {@code <RFC 3339 time> <stream> <F|P> <text>\n}: conmon splits
 * what it reads from the pty at newlines, so a full line ({@code F}) stands for its text plus
 * the newline, a partial one ({@code P}) for its text alone, and concatenating them gives the
 * output exactly ({@code \r} included).
 *
 * <p>Only complete lines are consumed: conmon may write a line in several pieces. The
 * position is the file's inode and the offset of the first line not yet read, so that a
 * restarted daemon resumes where the last one stopped. conmon starts a new file (renamed
 * over the old one) once the log exceeds its size limit; the reader keeps the old file open
 * and finishes it before it turns to the new one, so nothing is lost while the daemon runs.
 * A file replaced while the daemon was down is read from its beginning (the old one's
 * unread end is gone).
 */
final class TtyLog implements Closeable {
    /** Where reading resumes: the log file's inode (-1: whatever file is there) and an offset in it. */
    record Position(long inode, long offset) {
        static final Position START = new Position(-1, 0);
    }

    private static final int CHUNK = 64 * 1024;

    private final Path path;
    private volatile Position position;
    private FileChannel channel;
    private long channelInode;
    /** Bytes read from the channel after {@code position.offset()} that do not end a line yet. */
    private byte[] pending = new byte[0];
    private final ByteBuffer buffer = ByteBuffer.allocate(CHUNK);

    TtyLog(Path path, Position start) {
        this.path = path;
        this.position = start;
    }

    Position position() {
        return position;
    }

    /**
     * Appends to {@code out} what the terminal wrote since the last call (as far as complete
     * log lines go) and advances the position past them.
     *
     * @return true when the position moved
     */
    boolean read(ByteArrayOutputStream out) throws IOException {
        boolean moved = false;
        while (true) {
            if (channel == null && !open()) {
                return moved;
            }
            buffer.clear();
            int n = channel.read(buffer);
            if (n > 0) {
                byte[] data = new byte[pending.length + n];
                System.arraycopy(pending, 0, data, 0, pending.length);
                System.arraycopy(buffer.array(), 0, data, pending.length, n);
                int used = decode(data, out);
                if (used > 0) {
                    position = new Position(channelInode, position.offset() + used);
                    moved = true;
                }
                pending = java.util.Arrays.copyOfRange(data, used, data.length);
                continue;
            }
            // At the end of this file: turn to a new one if conmon replaced it, after finishing this one.
            Long now = inode(path);
            if (now == null || now == channelInode) {
                return moved;
            }
            closeChannel();
            position = new Position(now, 0);
            pending = new byte[0];
        }
    }

    /** Opens the log (false while it does not exist), positioned where reading resumes. */
    private boolean open() throws IOException {
        for (int attempt = 0; attempt < 3; attempt++) {
            Long before = inode(path);
            if (before == null) {
                return false;
            }
            FileChannel c;
            try {
                c = FileChannel.open(path, StandardOpenOption.READ);
            } catch (NoSuchFileException e) {
                return false;
            }
            Long after = inode(path);
            if (after == null || !after.equals(before)) {
                c.close(); // replaced just now: which file was opened is unknown, try again
                continue;
            }
            long offset = position.inode() == before && position.offset() <= c.size() ? position.offset() : 0;
            c.position(offset);
            channel = c;
            channelInode = before;
            position = new Position(before, offset);
            pending = new byte[0];
            return true;
        }
        return false;
    }

    private static Long inode(Path p) throws IOException {
        try {
            return (Long) Files.getAttribute(p, "unix:ino");
        } catch (NoSuchFileException e) {
            return null;
        }
    }

    /**
     * Decodes the complete lines at the start of {@code data} into {@code out}.
     *
     * @return how many bytes of {@code data} they took
     */
    static int decode(byte[] data, ByteArrayOutputStream out) {
        int start = 0;
        while (true) {
            int nl = indexOf(data, (byte) '\n', start);
            if (nl < 0) {
                return start;
            }
            int s1 = indexOf(data, (byte) ' ', start, nl);
            int s2 = s1 < 0 ? -1 : indexOf(data, (byte) ' ', s1 + 1, nl);
            if (s2 >= 0 && s2 + 2 <= nl && (data[s2 + 1] == 'F' || data[s2 + 1] == 'P')) {
                int text = Math.min(s2 + 3, nl); // "F " then the text; "F" alone at the end is an empty line
                out.write(data, text, nl - text);
                if (data[s2 + 1] == 'F') {
                    out.write('\n');
                }
            }
            // anything else is not a log line conmon writes: skipped
            start = nl + 1;
        }
    }

    private static int indexOf(byte[] data, byte b, int from) {
        return indexOf(data, b, from, data.length);
    }

    private static int indexOf(byte[] data, byte b, int from, int to) {
        for (int i = from; i < to; i++) {
            if (data[i] == b) {
                return i;
            }
        }
        return -1;
    }

    private void closeChannel() throws IOException {
        if (channel != null) {
            channel.close();
            channel = null;
        }
    }

    @Override
    public void close() throws IOException {
        closeChannel();
    }
}
