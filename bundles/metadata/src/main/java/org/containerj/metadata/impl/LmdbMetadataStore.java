package org.containerj.metadata.impl;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Predicate;

import org.containerj.api.errdefs.ContainerjException;
import org.containerj.api.errdefs.ErrorKind;
import org.containerj.api.metadata.Entry;
import org.containerj.api.metadata.Key;
import org.containerj.api.metadata.MetadataStore;
import org.containerj.api.metadata.ReadWork;
import org.containerj.api.metadata.WriteTransaction;
import org.containerj.api.metadata.WriteWork;
import org.containerj.nativeio.Lmdb;
import org.lmdbjava.ByteArrayProxy;
import org.lmdbjava.Cursor;
import org.lmdbjava.Dbi;
import org.lmdbjava.DbiFlags;
import org.lmdbjava.Env;
import org.lmdbjava.EnvFlags;
import org.lmdbjava.GetOp;
import org.lmdbjava.LmdbException;
import org.lmdbjava.PutFlags;
import org.lmdbjava.Txn;

/**
 * {@link MetadataStore} on an LMDB environment (a directory holding {@code data.mdb} and
 * {@code lock.mdb}). LMDB gives the ACID part: copy-on-write pages, a commit is durable
 * once {@code update} returns (the environment is never opened with MDB_NOSYNC), and a
 * crash at any point leaves the last committed state.
 *
 * <p>Two named databases: {@code data} holds the keys of the API, {@code meta} the schema
 * version. Readers run concurrently (MDB_NOTLS, so a read transaction is not tied to a
 * thread's reader slot); writers are serialised by a lock in front of LMDB's own. Every
 * transaction holds a share of {@code envLock}; {@link #close()} and growing the map take
 * it exclusively, so they wait for transactions in flight. When an update fills the map,
 * the map is doubled (up to {@link Options#maxMapSize()}) and the work run again.
 *
 * <p>An exclusive lock on {@value #LOCK_FILE} keeps a second process (another daemon on
 * the same root) out; LMDB itself would let it in.
 */
public final class LmdbMetadataStore implements MetadataStore, AutoCloseable {

    static final String LOCK_FILE = "containerj.lock";

    private static final System.Logger LOG = System.getLogger(LmdbMetadataStore.class.getName());
    private static final String DATA_DB = "data";
    private static final String META_DB = "meta";
    private static final byte[] SCHEMA_VERSION = "schema_version".getBytes(StandardCharsets.US_ASCII);
    private static final int MAX_READERS = 512;
    private static final int FILE_MODE = 0600;

    /**
     * How to open the store: the size the memory map starts at, how far it may grow when it
     * fills, and the LMDB library to prefer (the framework property {@code lmdbjava.native.lib};
     * null for the one embedded in org.containerj.native, see {@link Lmdb}).
     */
    public record Options(long mapSize, long maxMapSize, String nativeLibrary) {

        public static final long DEFAULT_MAP_SIZE = 1L << 30;
        public static final long DEFAULT_MAX_MAP_SIZE = 1L << 36;

        public Options {
            if (mapSize < (1L << 20)) {
                throw new IllegalArgumentException("map size must be at least 1 MiB: " + mapSize);
            }
            maxMapSize = Math.max(mapSize, maxMapSize);
        }

        public static Options defaults() {
            return new Options(DEFAULT_MAP_SIZE, DEFAULT_MAX_MAP_SIZE, null);
        }
    }

    private final Path dir;
    private final FileChannel lockChannel;
    private final FileLock lock;
    private final Env<byte[]> env;
    private final Dbi<byte[]> data;
    private final Dbi<byte[]> meta;
    private final int maxKeySize;
    private final long maxMapSize;
    private final ReentrantReadWriteLock envLock = new ReentrantReadWriteLock(true);
    private final ReentrantLock writer = new ReentrantLock(true);
    private volatile long mapSize;
    private volatile boolean closed;
    private boolean envClosed;
    private int schemaVersion;

    private LmdbMetadataStore(Path dir, FileChannel lockChannel, FileLock lock, Env<byte[]> env, long maxMapSize) {
        this.dir = dir;
        this.lockChannel = lockChannel;
        this.lock = lock;
        this.env = env;
        this.maxMapSize = maxMapSize;
        this.mapSize = env.info().mapSize;
        this.maxKeySize = env.getMaxKeySize();
        this.data = env.openDbi(DATA_DB, DbiFlags.MDB_CREATE);
        this.meta = env.openDbi(META_DB, DbiFlags.MDB_CREATE);
    }

    /**
     * Opens (creating when needed) the store in {@code dir} and brings its schema up to
     * the last of {@code migrations} in one write transaction. When a migration fails,
     * nothing is changed and the store is not opened.
     */
    public static LmdbMetadataStore open(Path dir, Options options, List<Migration> migrations) {
        Migrations.check(migrations);
        FileChannel channel = null;
        FileLock lock = null;
        Env<byte[]> env = null;
        try {
            Files.createDirectories(dir);
            channel = FileChannel.open(dir.resolve(LOCK_FILE), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            try {
                lock = channel.tryLock();
            } catch (OverlappingFileLockException e) {
                throw ContainerjException.unavailable("metadata store %s is already open in this process", dir);
            }
            if (lock == null) {
                throw ContainerjException.unavailable("metadata store %s is in use by another process", dir);
            }
            Lmdb.load(options.nativeLibrary());
            env = Env.create(ByteArrayProxy.PROXY_BA)
                    .setMapSize(options.mapSize())
                    .setMaxDbs(2)
                    .setMaxReaders(MAX_READERS)
                    .open(dir.toFile(), FILE_MODE, EnvFlags.MDB_NOTLS);
            int stale = env.readerCheck();
            if (stale > 0) {
                LOG.log(Level.INFO, "metadata store {0}: cleared {1} reader slots of dead processes", dir, stale);
            }
            LmdbMetadataStore store = new LmdbMetadataStore(dir, channel, lock, env, options.maxMapSize());
            store.migrate(migrations);
            return store;
        } catch (IOException e) {
            cleanUp(env, lock, channel);
            throw ContainerjException.internal("cannot open metadata store " + dir + ": " + e, e);
        } catch (LmdbException e) {
            cleanUp(env, lock, channel);
            throw translate(e, "cannot open metadata store " + dir);
        } catch (RuntimeException | Error e) {
            cleanUp(env, lock, channel);
            throw e;
        }
    }

    private static void cleanUp(Env<byte[]> env, FileLock lock, FileChannel channel) {
        if (env != null) {
            env.close();
        }
        try {
            if (lock != null) {
                lock.release();
            }
            if (channel != null) {
                channel.close();
            }
        } catch (IOException e) {
            LOG.log(Level.WARNING, "cannot release the metadata store lock", e);
        }
    }

    private void migrate(List<Migration> migrations) {
        schemaVersion = write((txn, tx) -> {
            byte[] stored = meta.get(txn, SCHEMA_VERSION);
            int current = stored == null ? 0 : ByteBuffer.wrap(stored).getInt();
            int latest = migrations.size();
            if (current > latest) {
                throw ContainerjException.failedPrecondition(
                        "metadata store %s has schema version %d, newer than the %d this containerj knows",
                        dir, current, latest);
            }
            for (Migration m : migrations.subList(current, latest)) {
                try {
                    m.step().accept(tx);
                } catch (RuntimeException e) {
                    ErrorKind kind = e instanceof ContainerjException ce ? ce.kind() : ErrorKind.INTERNAL;
                    throw new ContainerjException(kind, "metadata store " + dir + ": " + m + " failed: "
                            + e.getMessage(), e);
                }
            }
            if (latest != current) {
                meta.put(txn, SCHEMA_VERSION, ByteBuffer.allocate(4).putInt(latest).array());
                LOG.log(Level.INFO, "metadata store {0}: schema version {1} -> {2}", dir, current, latest);
            }
            return latest;
        });
    }

    @Override
    public <T> T view(ReadWork<T> work) {
        Objects.requireNonNull(work, "work");
        Lock shared = enter();
        try (Txn<byte[]> txn = env.txnRead()) {
            Tx tx = new Tx(txn, false);
            try {
                return work.run(tx);
            } finally {
                tx.done = true;
            }
        } catch (LmdbException e) {
            throw translate(e, "metadata store " + dir);
        } finally {
            shared.unlock();
        }
    }

    @Override
    public <T> T update(WriteWork<T> work) {
        Objects.requireNonNull(work, "work");
        return write((txn, tx) -> work.run(tx));
    }

    @Override
    public int maxKeySize() {
        return maxKeySize;
    }

    @Override
    public int schemaVersion() {
        return schemaVersion;
    }

    /** The directory of the LMDB environment. */
    public Path directory() {
        return dir;
    }

    /** The current size of the memory map in bytes (the most the data file may grow to before the map grows). */
    public long mapSize() {
        return mapSize;
    }

    /**
     * Refuses new transactions, waits for those in flight, then closes the environment
     * and releases the directory. Idempotent.
     */
    @Override
    public void close() {
        closed = true;
        envLock.writeLock().lock();
        try {
            if (envClosed) {
                return;
            }
            envClosed = true;
            env.close();
        } finally {
            envLock.writeLock().unlock();
        }
        cleanUp(null, lock, lockChannel);
    }

    private interface TxnWork<T> {
        T run(Txn<byte[]> txn, Tx tx);
    }

    private <T> T write(TxnWork<T> work) {
        if (writer.isHeldByCurrentThread()) {
            throw ContainerjException.failedPrecondition(
                    "metadata update started inside another update on the same thread");
        }
        writer.lock();
        try {
            while (true) {
                Lock shared = enter();
                Tx tx = null;
                try (Txn<byte[]> txn = env.txnWrite()) {
                    tx = new Tx(txn, true);
                    T result;
                    try {
                        result = work.run(txn, tx);
                    } finally {
                        tx.done = true;
                    }
                    if (!tx.mapFull) { // the work may have swallowed the failure of a write
                        txn.commit();
                        return result;
                    }
                } catch (Env.MapFullException e) {
                    // the transaction is aborted; grow below, then run the work again
                } catch (LmdbException e) {
                    throw translate(e, "metadata store " + dir);
                } catch (RuntimeException | Error e) {
                    if (tx == null || !tx.mapFull) {
                        throw e;
                    }
                } finally {
                    shared.unlock();
                }
                growMap();
            }
        } finally {
            writer.unlock();
        }
    }

    private void growMap() {
        long current = mapSize;
        if (current >= maxMapSize) {
            throw new ContainerjException(ErrorKind.RESOURCE_EXHAUSTED, "metadata store " + dir
                    + " reached its maximum size of " + maxMapSize + " bytes (max_map_size)");
        }
        if (envLock.getReadHoldCount() > 0) {
            throw new ContainerjException(ErrorKind.RESOURCE_EXHAUSTED, "metadata store " + dir
                    + " is full and cannot grow while this thread is inside a view");
        }
        long next = Math.min(maxMapSize, current * 2);
        envLock.writeLock().lock();
        try {
            checkOpen();
            env.setMapSize(next);
            mapSize = next;
        } finally {
            envLock.writeLock().unlock();
        }
        LOG.log(Level.INFO, "metadata store {0}: map grown from {1} to {2} bytes", dir, current, next);
    }

    private Lock enter() {
        checkOpen();
        Lock shared = envLock.readLock();
        shared.lock();
        if (closed) {
            shared.unlock();
            checkOpen();
        }
        return shared;
    }

    private void checkOpen() {
        if (closed) {
            throw ContainerjException.unavailable("metadata store %s is closed", dir);
        }
    }

    private static ContainerjException translate(LmdbException e, String context) {
        if (e instanceof Env.MapFullException || e instanceof Env.ReadersFullException) {
            return new ContainerjException(ErrorKind.RESOURCE_EXHAUSTED, context + ": " + e.getMessage(), e);
        }
        return ContainerjException.internal(context + ": " + e.getMessage(), e);
    }

    /** A transaction of the API over one LMDB transaction; valid until its work returns. */
    private final class Tx implements WriteTransaction {

        private final Txn<byte[]> txn;
        private final boolean writable;
        private final Thread owner = Thread.currentThread();
        volatile boolean done;
        boolean mapFull;

        Tx(Txn<byte[]> txn, boolean writable) {
            this.txn = txn;
            this.writable = writable;
        }

        @Override
        public Optional<byte[]> get(Key key) {
            check();
            byte[] k = key.encode();
            if (!storable(k)) {
                return Optional.empty();
            }
            return Optional.ofNullable(lmdb(() -> data.get(txn, k)));
        }

        @Override
        public boolean exists(Key key) {
            return get(key).isPresent();
        }

        @Override
        public boolean existsUnder(Key prefix) {
            check();
            byte[] p = prefix.encode();
            if (p.length > maxKeySize) {
                return false;
            }
            return lmdb(() -> {
                try (Cursor<byte[]> c = data.openCursor(txn)) {
                    return seek(c, p) && under(c.key(), p);
                }
            });
        }

        @Override
        public List<Entry> scan(Key prefix) {
            List<Entry> out = new ArrayList<>();
            forEach(prefix, e -> out.add(e));
            return out;
        }

        @Override
        public void forEach(Key prefix, Predicate<Entry> visitor) {
            check();
            Objects.requireNonNull(visitor, "visitor");
            byte[] p = prefix.encode();
            if (p.length > maxKeySize) {
                return;
            }
            lmdb(() -> {
                try (Cursor<byte[]> c = data.openCursor(txn)) {
                    boolean found = seek(c, p);
                    while (found) {
                        byte[] k = c.key();
                        if (!under(k, p) || !visitor.test(new Entry(Key.decode(k), c.val()))) {
                            break;
                        }
                        found = c.next();
                    }
                }
                return null;
            });
        }

        @Override
        public List<String> children(Key parent) {
            check();
            byte[] p = parent.encode();
            byte[] base = p.length == 0 ? p : Arrays.copyOf(p, p.length + 1); // parent + NUL
            List<String> out = new ArrayList<>();
            if (base.length > maxKeySize) {
                return out;
            }
            lmdb(() -> {
                try (Cursor<byte[]> c = data.openCursor(txn)) {
                    boolean found = seek(c, base);
                    while (found) {
                        byte[] k = c.key();
                        if (!startsWith(k, base)) {
                            break;
                        }
                        int end = base.length;
                        while (end < k.length && k[end] != 0) {
                            end++;
                        }
                        out.add(new String(k, base.length, end - base.length, StandardCharsets.UTF_8));
                        byte[] child = Arrays.copyOf(k, end);
                        // the smallest key after every key of this child: child + 0x01
                        byte[] after = Arrays.copyOf(child, child.length + 1);
                        after[child.length] = 1;
                        if (after.length <= maxKeySize) {
                            found = c.get(after, GetOp.MDB_SET_RANGE);
                        } else {
                            do {
                                found = c.next();
                            } while (found && under(c.key(), child));
                        }
                    }
                }
                return null;
            });
            return out;
        }

        @Override
        public void put(Key key, byte[] value) {
            checkWritable();
            byte[] k = checkedKey(key);
            Objects.requireNonNull(value, "value");
            mutate(() -> data.put(txn, k, value));
        }

        @Override
        public boolean putIfAbsent(Key key, byte[] value) {
            checkWritable();
            byte[] k = checkedKey(key);
            Objects.requireNonNull(value, "value");
            return mutate(() -> data.put(txn, k, value, PutFlags.MDB_NOOVERWRITE));
        }

        @Override
        public boolean delete(Key key) {
            checkWritable();
            byte[] k = key.encode();
            if (!storable(k)) {
                return false;
            }
            return mutate(() -> data.delete(txn, k));
        }

        @Override
        public int deleteAll(Key prefix) {
            checkWritable();
            byte[] p = prefix.encode();
            if (p.length > maxKeySize) {
                return 0;
            }
            return mutate(() -> {
                int n = 0;
                try (Cursor<byte[]> c = data.openCursor(txn)) {
                    // seek again after each delete: simple, and immune to cursor-after-delete rules
                    while (seek(c, p) && under(c.key(), p)) {
                        c.delete();
                        n++;
                    }
                }
                return n;
            });
        }

        private boolean seek(Cursor<byte[]> c, byte[] from) {
            return from.length == 0 ? c.first() : c.get(from, GetOp.MDB_SET_RANGE);
        }

        private boolean storable(byte[] k) {
            return k.length > 0 && k.length <= maxKeySize;
        }

        private byte[] checkedKey(Key key) {
            byte[] k = key.encode();
            if (k.length == 0) {
                throw ContainerjException.invalidArgument("the root metadata key cannot hold a value");
            }
            if (k.length > maxKeySize) {
                throw ContainerjException.invalidArgument("metadata key %s is %d bytes long; the store holds keys "
                        + "of at most %d bytes", key, k.length, maxKeySize);
            }
            return k;
        }

        private void check() {
            if (done) {
                throw ContainerjException.failedPrecondition("metadata transaction used after its work returned");
            }
            if (Thread.currentThread() != owner) {
                throw ContainerjException.failedPrecondition("metadata transaction used from another thread");
            }
        }

        private void checkWritable() {
            check();
            if (!writable) {
                throw ContainerjException.failedPrecondition("metadata transaction is read-only");
            }
        }

        private <R> R lmdb(java.util.function.Supplier<R> op) {
            try {
                return op.get();
            } catch (LmdbException e) {
                throw translate(e, "metadata store " + dir);
            }
        }

        private <R> R mutate(java.util.function.Supplier<R> op) {
            try {
                return op.get();
            } catch (Env.MapFullException e) {
                mapFull = true;
                throw translate(e, "metadata store " + dir);
            } catch (LmdbException e) {
                throw translate(e, "metadata store " + dir);
            }
        }
    }

    /** True when {@code key} is {@code prefix} itself or a key below it (prefix + NUL + ...). */
    static boolean under(byte[] key, byte[] prefix) {
        if (prefix.length == 0) {
            return true;
        }
        if (!startsWith(key, prefix)) {
            return false;
        }
        return key.length == prefix.length || key[prefix.length] == 0;
    }

    static boolean startsWith(byte[] key, byte[] prefix) {
        return key.length >= prefix.length && Arrays.equals(key, 0, prefix.length, prefix, 0, prefix.length);
    }
}
