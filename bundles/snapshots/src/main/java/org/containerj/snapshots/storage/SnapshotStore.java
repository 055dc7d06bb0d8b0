package org.containerj.snapshots.storage;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.zip.CRC32;

import org.containerj.api.errdefs.ContainerjException;
import org.containerj.api.snapshots.SnapshotInfo;
import org.containerj.api.snapshots.SnapshotKind;
import org.containerj.api.snapshots.SnapshotUsage;

/**
 * The snapshots of one snapshotter, kept in {@code <root>/}{@value #FILE} plus a journal
 * {@code <root>/}{@value #JOURNAL}: the part containerd's {@code snapshots/storage} plays
 * on its bolt {@code metadata.db}.
 *
 * <p>The whole state is small (some hundred bytes per snapshot) and lives in memory. An
 * update appends one record (the snapshots it put and the keys it deleted, with a CRC-32)
 * to the journal and syncs the journal's data once, which is as many syncs as a bolt
 * commit and far fewer than rewriting the whole file. When the journal has grown past
 * {@value #COMPACT_AT} bytes the state is written whole: to a temporary file, synced,
 * renamed over {@value #FILE}, the directory synced, and only then the journal emptied.
 * Replaying records is idempotent (each sets a key to its value after that update), so a
 * crash between the rename and the truncation loses nothing. On opening, a journal tail
 * that is incomplete or fails its CRC is the update that never returned, and is cut off;
 * a damaged {@value #FILE} is refused rather than silently emptied. Readers never wait:
 * they see the state of the last finished update. One update runs at a time, so work
 * given to {@link #update} may also change the snapshotter's directories (create, rename)
 * while no other update can interleave. {@code <root>/metadata.lock} keeps a second
 * process (or a second open store) off the same root.
 */
public final class SnapshotStore implements Closeable {
    public static final String FILE = "metadata.snapshots";
    public static final String JOURNAL = "metadata.journal";
    static final String LOCK_FILE = "metadata.lock";
    static final int COMPACT_AT = 1 << 20;

    private static final int RECORD_MAGIC = 0x434A4A52; // "CJJR"

    private static final int MAGIC = 0x434A534E; // "CJSN"
    private static final int FORMAT = 1;

    private final Path dir;
    private final Path file;
    private final FileChannel lockChannel;
    private final FileLock lock;
    private final ReentrantLock writer = new ReentrantLock();
    private final FileChannel journal;
    private volatile State state;
    private volatile boolean closed;

    private record State(NavigableMap<String, SnapshotEntry> entries, long sequence) {
    }

    private SnapshotStore(Path dir, FileChannel lockChannel, FileLock lock, FileChannel journal, State state) {
        this.dir = dir;
        this.journal = journal;
        this.file = dir.resolve(FILE);
        this.lockChannel = lockChannel;
        this.lock = lock;
        this.state = state;
    }

    /**
     * Opens the store in {@code dir} (created 0700 when missing), reading what an earlier
     * run left. IllegalStateException when another store holds the directory or the file
     * is damaged.
     */
    public static SnapshotStore open(Path dir) {
        FileChannel channel = null;
        try {
            Files.createDirectories(dir);
            channel = FileChannel.open(dir.resolve(LOCK_FILE), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock lock;
            try {
                lock = channel.tryLock();
            } catch (OverlappingFileLockException e) {
                lock = null;
            }
            if (lock == null) {
                throw new IllegalStateException("snapshot store " + dir + " is in use by another snapshotter");
            }
            Files.deleteIfExists(dir.resolve(FILE + ".tmp"));
            State state;
            try {
                state = read(dir.resolve(FILE));
            } catch (java.io.EOFException e) {
                throw new IllegalStateException("snapshot store " + dir.resolve(FILE) + " is damaged (truncated)", e);
            }
            Path journalFile = dir.resolve(JOURNAL);
            boolean created = !Files.exists(journalFile);
            FileChannel journal = FileChannel.open(journalFile, StandardOpenOption.CREATE, StandardOpenOption.READ,
                    StandardOpenOption.WRITE);
            try {
                state = replay(journal, journalFile, state);
                if (created) {
                    syncDirectory(dir);
                }
            } catch (IOException | RuntimeException e) {
                journal.close();
                throw e;
            }
            SnapshotStore store = new SnapshotStore(dir, channel, lock, journal, state);
            channel = null;
            return store;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open snapshot store " + dir, e);
        } finally {
            if (channel != null) {
                try {
                    channel.close();
                } catch (IOException ignored) {
                    // the failure being reported matters more
                }
            }
        }
    }

    /** The directory holding the store. */
    public Path directory() {
        return dir;
    }

    /** Runs {@code work} on the current state; it cannot change anything. */
    public <T> T view(Function<SnapshotTransaction, T> work) {
        State s = current();
        return work.apply(new SnapshotTransaction(s.entries(), s.sequence(), false));
    }

    /**
     * Calls {@code visitor} for each snapshot matching {@code filters}, after reading them
     * from the current state, so the visitor may call back into the store.
     */
    public void walk(List<String> filters, Consumer<SnapshotInfo> visitor) {
        List<SnapshotInfo> infos = new ArrayList<>();
        view(tx -> {
            tx.walk(filters, infos::add);
            return null;
        });
        infos.forEach(visitor);
    }

    /**
     * Runs {@code work} on a private copy of the state and, when it returns, makes its
     * changes durable and visible. When it throws, or writing fails, nothing it changed
     * in the store is kept (what it did to the file system is its own to undo).
     */
    public <T> T update(Function<SnapshotTransaction, T> work) {
        writer.lock();
        try {
            State s = current();
            SnapshotTransaction tx = new SnapshotTransaction(s.entries(), s.sequence(), true);
            T result = work.apply(tx);
            if (tx.changed()) {
                State next = new State(Collections.unmodifiableNavigableMap(tx.entries()), tx.sequence());
                append(s, next);
                state = next;
            }
            return result;
        } finally {
            writer.unlock();
        }
    }

    /** Writes the state whole and empties the journal, as a long journal is. */
    void compact() {
        writer.lock();
        try {
            State s = current();
            write(s);
            journal.truncate(0);
            journal.force(false);
        } catch (IOException e) {
            throw ContainerjException.internal("cannot compact snapshot store " + dir + ": " + e, e);
        } finally {
            writer.unlock();
        }
    }

    /** Releases the directory; later calls fail with UNAVAILABLE. Waits for a running update. */
    @Override
    public void close() {
        writer.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            try {
                lock.release();
            } catch (IOException ignored) {
                // closing the channel releases it as well
            }
            try {
                journal.close();
            } catch (IOException ignored) {
                // every record was synced when it was appended
            }
            try {
                lockChannel.close();
            } catch (IOException ignored) {
                // nothing left to do
            }
        } finally {
            writer.unlock();
        }
    }

    private State current() {
        if (closed) {
            throw ContainerjException.unavailable("snapshot store %s is closed", dir);
        }
        return state;
    }

    // ---- the journal

    /** Appends what changed from {@code before} to {@code after}, syncs it, and compacts a long journal. */
    private void append(State before, State after) {
        byte[] record = encodeRecord(before, after);
        try {
            long end = journal.size();
            ByteBuffer buffer = ByteBuffer.wrap(record);
            long at = end;
            while (buffer.hasRemaining()) {
                at += journal.write(buffer, at);
            }
            try {
                journal.force(false);
            } catch (IOException e) {
                // the record may or may not be on disk: cut it off so that a restart cannot see it
                journal.truncate(end);
                throw e;
            }
            if (at >= COMPACT_AT) {
                write(after);
                journal.truncate(0);
                journal.force(false);
            }
        } catch (IOException e) {
            throw ContainerjException.internal("cannot write snapshot store journal " + dir.resolve(JOURNAL) + ": " + e,
                    e);
        }
    }

    static byte[] encodeRecord(State before, State after) {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream(512);
            DataOutputStream out = new DataOutputStream(bytes);
            out.writeLong(after.sequence());
            List<SnapshotEntry> puts = new ArrayList<>();
            for (SnapshotEntry e : after.entries().values()) {
                if (!e.equals(before.entries().get(e.key()))) {
                    puts.add(e);
                }
            }
            out.writeInt(puts.size());
            for (SnapshotEntry e : puts) {
                writeEntry(out, e);
            }
            List<String> deletes = new ArrayList<>();
            for (String key : before.entries().keySet()) {
                if (!after.entries().containsKey(key)) {
                    deletes.add(key);
                }
            }
            out.writeInt(deletes.size());
            for (String key : deletes) {
                writeString(out, key);
            }
            out.flush();
            byte[] payload = bytes.toByteArray();
            CRC32 crc = new CRC32();
            crc.update(payload);
            ByteBuffer record = ByteBuffer.allocate(4 + 4 + payload.length + 8);
            record.putInt(RECORD_MAGIC).putInt(payload.length).put(payload).putLong(crc.getValue());
            return record.array();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Applies the journal's records to {@code base}; an incomplete or damaged tail (an
     * update that never returned) is cut off.
     */
    private static State replay(FileChannel journal, Path file, State base) throws IOException {
        long size = journal.size();
        if (size == 0) {
            return base;
        }
        if (size > Integer.MAX_VALUE) {
            throw new IllegalStateException("snapshot store journal " + file + " is too large (" + size + " bytes)");
        }
        ByteBuffer all = ByteBuffer.allocate((int) size);
        long at = 0;
        while (all.hasRemaining()) {
            int n = journal.read(all, at);
            if (n < 0) {
                break;
            }
            at += n;
        }
        all.flip();
        TreeMap<String, SnapshotEntry> entries = new TreeMap<>(base.entries());
        long sequence = base.sequence();
        long good = 0;
        while (all.remaining() >= 16) {
            int start = all.position();
            if (all.getInt() != RECORD_MAGIC) {
                break;
            }
            int length = all.getInt();
            if (length < 0 || length > all.remaining() - 8) {
                break;
            }
            byte[] payload = new byte[length];
            all.get(payload);
            CRC32 crc = new CRC32();
            crc.update(payload);
            if (crc.getValue() != all.getLong()) {
                break;
            }
            DataInputStream in = new DataInputStream(new ByteArrayInputStream(payload));
            sequence = Math.max(sequence, in.readLong());
            int puts = in.readInt();
            for (int i = 0; i < puts; i++) {
                SnapshotEntry e = readEntry(in);
                entries.put(e.key(), e);
            }
            int deletes = in.readInt();
            for (int i = 0; i < deletes; i++) {
                entries.remove(readString(in));
            }
            good = all.position();
            if (start == good) {
                break;
            }
        }
        if (good < size) {
            journal.truncate(good);
            journal.force(false);
        }
        return new State(Collections.unmodifiableNavigableMap(entries), sequence);
    }

    private static void syncDirectory(Path dir) throws IOException {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        }
    }

    // ---- the file

    private void write(State s) {
        byte[] bytes = encode(s);
        Path tmp = dir.resolve(FILE + ".tmp");
        try {
            try (FileChannel out = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                    StandardOpenOption.WRITE)) {
                ByteBuffer buffer = ByteBuffer.wrap(bytes);
                while (buffer.hasRemaining()) {
                    out.write(buffer);
                }
                out.force(true);
            }
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            syncDirectory(dir);
        } catch (IOException e) {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException ignored) {
                // reported below
            }
            throw ContainerjException.internal("cannot write snapshot store " + file + ": " + e, e);
        }
    }

    static byte[] encode(State s) {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream(256 + 256 * s.entries().size());
            DataOutputStream out = new DataOutputStream(bytes);
            out.writeInt(MAGIC);
            out.writeInt(FORMAT);
            out.writeLong(s.sequence());
            out.writeInt(s.entries().size());
            for (SnapshotEntry e : s.entries().values()) {
                writeEntry(out, e);
            }
            out.flush();
            CRC32 crc = new CRC32();
            crc.update(bytes.toByteArray());
            out.writeLong(crc.getValue());
            out.flush();
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static State read(Path file) throws IOException {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            return new State(Collections.unmodifiableNavigableMap(new TreeMap<>()), 0);
        }
        if (bytes.length < 8 + 8) {
            throw new IllegalStateException("snapshot store " + file + " is damaged (" + bytes.length + " bytes)");
        }
        CRC32 crc = new CRC32();
        crc.update(bytes, 0, bytes.length - 8);
        long stored = ByteBuffer.wrap(bytes, bytes.length - 8, 8).getLong();
        if (crc.getValue() != stored) {
            throw new IllegalStateException("snapshot store " + file + " is damaged (checksum mismatch)");
        }
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes, 0, bytes.length - 8));
        if (in.readInt() != MAGIC) {
            throw new IllegalStateException("snapshot store " + file + " is not a containerj snapshot store");
        }
        int format = in.readInt();
        if (format != FORMAT) {
            throw new IllegalStateException("snapshot store " + file + " has format " + format + ", this containerj reads "
                    + FORMAT);
        }
        long sequence = in.readLong();
        int count = in.readInt();
        TreeMap<String, SnapshotEntry> entries = new TreeMap<>();
        for (int i = 0; i < count; i++) {
            SnapshotEntry e = readEntry(in);
            entries.put(e.key(), e);
        }
        return new State(Collections.unmodifiableNavigableMap(entries), sequence);
    }

    private static void writeEntry(DataOutputStream out, SnapshotEntry e) throws IOException {
        out.writeLong(e.id());
        writeString(out, e.key());
        out.writeByte(e.kind().wire());
        writeString(out, e.parent());
        writeInstant(out, e.created());
        writeInstant(out, e.updated());
        out.writeLong(e.usage().inodes());
        out.writeLong(e.usage().size());
        Map<String, String> labels = new TreeMap<>(e.labels());
        out.writeInt(labels.size());
        for (Map.Entry<String, String> l : labels.entrySet()) {
            writeString(out, l.getKey());
            writeString(out, l.getValue());
        }
    }

    private static SnapshotEntry readEntry(DataInputStream in) throws IOException {
        long id = in.readLong();
        String key = readString(in);
        SnapshotKind kind = kind(in.readByte());
        String parent = readString(in);
        Instant created = readInstant(in);
        Instant updated = readInstant(in);
        SnapshotUsage usage = new SnapshotUsage(in.readLong(), in.readLong());
        int labelCount = in.readInt();
        Map<String, String> labels = new TreeMap<>();
        for (int j = 0; j < labelCount; j++) {
            labels.put(readString(in), readString(in));
        }
        return new SnapshotEntry(id, key, kind, parent, labels, created, updated, usage);
    }

    private static SnapshotKind kind(int wire) {
        for (SnapshotKind k : SnapshotKind.values()) {
            if (k.wire() == wire) {
                return k;
            }
        }
        return SnapshotKind.UNKNOWN;
    }

    private static void writeString(DataOutputStream out, String s) throws IOException {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        out.writeInt(b.length);
        out.write(b);
    }

    private static String readString(DataInputStream in) throws IOException {
        int n = in.readInt();
        if (n < 0 || n > in.available()) {
            throw new IOException("bad string length " + n);
        }
        return new String(in.readNBytes(n), StandardCharsets.UTF_8);
    }

    private static void writeInstant(DataOutputStream out, Instant t) throws IOException {
        out.writeLong(t.getEpochSecond());
        out.writeInt(t.getNano());
    }

    private static Instant readInstant(DataInputStream in) throws IOException {
        return Instant.ofEpochSecond(in.readLong(), in.readInt());
    }
}
