package org.containerj.content.impl;

import static org.containerj.content.impl.LocalContentStore.quote;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Map;

import org.containerj.api.content.ContentWriter;
import org.containerj.api.content.Digest;
import org.containerj.api.content.IngestStatus;
import org.containerj.api.errdefs.ContainerjException;
import org.tinylog.Logger;

/**
 * The one open writer of an ingest of the {@link LocalContentStore}. It holds the ref's
 * lock until it is closed or committed. Data is hashed (SHA-256, containerd's canonical
 * algorithm) as it is appended; nothing is synced before {@link #commit}, which syncs,
 * verifies, and publishes the blob. A failed commit leaves the ingest as it was, to be
 * resumed or aborted by ref, as in containerd; the writer itself is finished either way.
 */
final class LocalWriter implements ContentWriter {
    private final LocalContentStore store;
    private final String ref;
    private final Path dir;
    private final long total;
    private final Instant startedAt;
    private final Instant lockedSince;

    private FileChannel data;
    private MessageDigest digest;
    private long offset;
    private Instant updatedAt;

    LocalWriter(LocalContentStore store, String ref, Path dir, FileChannel data, MessageDigest digest, long offset,
            long total, Instant startedAt, Instant updatedAt, Instant lockedSince) {
        this.store = store;
        this.ref = ref;
        this.dir = dir;
        this.data = data;
        this.digest = digest;
        this.offset = offset;
        this.total = total;
        this.startedAt = startedAt;
        this.updatedAt = updatedAt;
        this.lockedSince = lockedSince;
    }

    String ref() {
        return ref;
    }

    Instant lockedSince() {
        return lockedSince;
    }

    @Override
    public synchronized void write(ByteBuffer src) {
        ensureOpen();
        ByteBuffer hashed = src.slice();
        try {
            while (src.hasRemaining()) {
                offset += data.write(src);
            }
        } catch (IOException e) {
            throw LocalContentStore.failure("writing ingest " + quote(ref), e);
        }
        digest.update(hashed);
        updatedAt = Instant.now();
    }

    @Override
    public synchronized IngestStatus status() {
        return new IngestStatus(ref, offset, total, null, startedAt, updatedAt);
    }

    @Override
    public synchronized Digest digest() {
        return currentDigest();
    }

    private Digest currentDigest() {
        try {
            MessageDigest copy = (MessageDigest) digest.clone();
            return new Digest("sha256", HexFormat.of().formatHex(copy.digest()));
        } catch (CloneNotSupportedException e) {
            throw new IllegalStateException("SHA-256 digests can be cloned", e);
        }
    }

    /** Cuts the ingest back to {@code size} bytes (at most what was written) and hashes that prefix again. */
    @Override
    public synchronized void truncate(long size) {
        ensureOpen();
        if (size < 0 || size > offset) {
            throw ContainerjException.invalidArgument("cannot truncate ingest %s to %d bytes: %d written", quote(ref),
                    size, offset);
        }
        MessageDigest rehashed = LocalContentStore.sha256();
        try {
            data.truncate(size);
            data.position(size);
            if (size > 0) {
                try (FileChannel in = FileChannel.open(dir.resolve("data"), StandardOpenOption.READ)) {
                    ByteBuffer buffer = ByteBuffer.allocate((int) Math.min(LocalContentStore.BUFFER, size));
                    long left = size;
                    while (left > 0) {
                        buffer.clear().limit((int) Math.min(buffer.capacity(), left));
                        int n = in.read(buffer);
                        if (n < 0) {
                            throw new IOException("ingest data ended before " + size + " bytes");
                        }
                        buffer.flip();
                        rehashed.update(buffer);
                        left -= n;
                    }
                }
            }
        } catch (IOException e) {
            throw LocalContentStore.failure("truncating ingest " + quote(ref), e);
        }
        digest = rehashed;
        offset = size;
        updatedAt = Instant.now();
    }

    /** Labels are ignored: the local store keeps none. */
    @Override
    public synchronized void commit(long size, Digest expected, Map<String, String> labels) {
        if (data == null) {
            throw ContainerjException.failedPrecondition("cannot commit on closed writer");
        }
        store.checkOpen();
        FileChannel channel = data;
        data = null;
        try {
            long written;
            try {
                channel.force(true);
                written = channel.size();
            } finally {
                channel.close();
            }
            if (size > 0 && size != written) {
                throw ContainerjException.failedPrecondition("unexpected commit size %d, expected %d", written, size);
            }
            Digest actual = currentDigest();
            if (expected != null && !expected.equals(actual)) {
                throw ContainerjException.failedPrecondition("unexpected commit digest %s, expected %s", actual,
                        expected);
            }
            store.publish(ref, dir, actual);
        } catch (NoSuchFileException e) {
            throw ContainerjException.notFound("ingest ref %s: aborted while being committed", quote(ref));
        } catch (IOException e) {
            throw LocalContentStore.failure("committing ingest " + quote(ref), e);
        } finally {
            store.release(this);
        }
    }

    /** Lets go of the ingest, keeping what was written for a later writer of the same ref. Idempotent. */
    @Override
    public synchronized void close() {
        if (data == null) {
            return;
        }
        try {
            data.close();
            LocalContentStore.writeAtomically(dir.resolve("updatedat"), updatedAt.toString());
        } catch (NoSuchFileException aborted) {
            // the ingest was aborted while open: nothing to keep
        } catch (IOException e) {
            Logger.warn(e, "closing ingest {}", quote(ref));
        } finally {
            data = null;
            store.release(this);
        }
    }

    private void ensureOpen() {
        if (data == null) {
            throw ContainerjException.failedPrecondition("writer of ingest %s is closed", quote(ref));
        }
        store.checkOpen();
    }
}
