package org.containerj.content.impl;

import static org.containerj.content.impl.ContentRecords.INGEST_EXPECTED;
import static org.containerj.content.impl.ContentRecords.blob;
import static org.containerj.content.impl.LocalContentStore.quote;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.locks.Lock;

import org.containerj.api.content.ContentInfo;
import org.containerj.api.content.ContentWriter;
import org.containerj.api.content.Digest;
import org.containerj.api.content.IngestStatus;
import org.containerj.api.errdefs.ContainerjException;
import org.containerj.api.errdefs.ErrorKind;
import org.containerj.api.identifiers.Labels;
import org.containerj.api.metadata.Key;
import org.containerj.api.metadata.MetadataLayout;

/**
 * A writer of one namespace's ingest. Either it writes through a writer of the store
 * underneath, or (shared content) it stands for a blob already there and writes nothing
 * until asked to: a write or truncate first copies the blob's bytes into a real ingest, as
 * containerd does. Commit verifies, publishes underneath, then in one transaction drops
 * the ingest record and adds the namespace's blob record (and the lease's reference).
 */
final class NamespacedWriter implements ContentWriter {
    private final MetadataContentStore store;
    private final MetadataContentStore.View view;
    private final String ref;
    private final String backendRef;
    private final Digest sharedDigest;
    private final long sharedSize;
    private final Map<String, String> openLabels;
    private final Instant started = Instant.now();

    private ContentWriter local;
    private boolean committed;

    NamespacedWriter(MetadataContentStore store, MetadataContentStore.View view, String ref, String backendRef,
            ContentWriter local, Digest sharedDigest, long sharedSize, Map<String, String> openLabels) {
        this.store = store;
        this.view = view;
        this.ref = ref;
        this.backendRef = backendRef;
        this.local = local;
        this.sharedDigest = sharedDigest;
        this.sharedSize = sharedSize;
        this.openLabels = openLabels;
    }

    @Override
    public synchronized void write(ByteBuffer data) {
        ensureNotCommitted();
        if (local == null) {
            if (!data.hasRemaining()) {
                return;
            }
            unshare(sharedSize);
        }
        local.write(data);
    }

    @Override
    public synchronized IngestStatus status() {
        if (local != null) {
            return MetadataContentStore.named(local.status(), ref);
        }
        return new IngestStatus(ref, sharedSize, sharedSize, sharedDigest, started, started);
    }

    @Override
    public synchronized Digest digest() {
        return local != null ? local.digest() : sharedDigest;
    }

    @Override
    public synchronized void truncate(long offset) {
        ensureNotCommitted();
        if (local != null) {
            local.truncate(offset);
        } else {
            if (offset < 0 || offset > sharedSize) {
                throw ContainerjException.invalidArgument("cannot truncate ingest %s to %d bytes: %d written",
                        quote(ref), offset, sharedSize);
            }
            unshare(offset);
        }
    }

    /** Turns the shared ingest into a real one holding the first {@code length} bytes of the shared blob. */
    private void unshare(long length) {
        ContentWriter w = store.backend().writer(backendRef, sharedSize, null, Map.of());
        try {
            w.truncate(0);
            if (length > 0) {
                try (SeekableByteChannel in = store.backend().reader(sharedDigest)) {
                    ByteBuffer buffer = ByteBuffer.allocate((int) Math.min(LocalContentStore.BUFFER, length));
                    long left = length;
                    while (left > 0) {
                        buffer.clear().limit((int) Math.min(buffer.capacity(), left));
                        int n = in.read(buffer);
                        if (n < 0) {
                            throw ContainerjException.failedPrecondition("content %s is shorter than %d bytes",
                                    sharedDigest, length);
                        }
                        buffer.flip();
                        w.write(buffer);
                        left -= n;
                    }
                }
            }
            Key expected = ContentRecords.ingest(view.namespace, ref).child(INGEST_EXPECTED);
            store.db().update(tx -> tx.delete(expected));
        } catch (IOException e) {
            w.close();
            throw LocalContentStore.failure("copying " + sharedDigest + " into ingest " + quote(ref), e);
        } catch (RuntimeException e) {
            w.close();
            throw e;
        }
        local = w;
    }

    /**
     * Commits the ingest in the namespace. FAILED_PRECONDITION on a size or digest mismatch
     * (the ingest stays, to be resumed or aborted); ALREADY_EXISTS when the namespace has
     * the blob already (the ingest is gone all the same).
     */
    @Override
    public synchronized void commit(long size, Digest expected, Map<String, String> labels) {
        ensureNotCommitted();
        Map<String, String> all = new HashMap<>(openLabels);
        if (labels != null) {
            all.putAll(labels);
        }
        Map<String, String> blobLabels = ContentRecords.withoutEmpty(Labels.validate(all));
        Lock ingestLock = store.ingestLock(view.namespace, ref);
        ingestLock.lock();
        Lock lock = store.reachability();
        lock.lock();
        try {
            long actualSize;
            Digest actual;
            if (local == null) {
                if (size != 0 && size != sharedSize) {
                    throw ContainerjException.failedPrecondition("%s failed size validation: %d != %d", quote(ref),
                            sharedSize, size);
                }
                if (expected != null && !expected.equals(sharedDigest)) {
                    throw ContainerjException.failedPrecondition("%s unexpected digest %s, expected %s", quote(ref),
                            sharedDigest, expected);
                }
                actualSize = sharedSize;
                actual = sharedDigest;
            } else {
                long written = local.status().offset();
                if (size != 0 && size != written) {
                    throw ContainerjException.failedPrecondition("%s failed size validation: %d != %d", quote(ref),
                            written, size);
                }
                actualSize = written;
                try {
                    local.commit(actualSize, expected, Map.of());
                } catch (ContainerjException e) {
                    if (e.kind() != ErrorKind.ALREADY_EXISTS) {
                        throw e;
                    }
                }
                actual = local.digest();
            }
            Instant now = Instant.now();
            String namespace = view.namespace;
            Key ingest = ContentRecords.ingest(namespace, ref);
            boolean existed = store.db().update(tx -> {
                tx.deleteAll(ingest);
                view.removeIngestLease(tx, ref);
                boolean exists = tx.exists(blob(namespace, actual));
                if (!exists) {
                    tx.putIfAbsent(MetadataLayout.namespaceLabels(namespace), ContentRecords.EMPTY);
                    tx.put(blob(namespace, actual),
                            ContentRecords.encodeBlob(new ContentInfo(actual, actualSize, now, now, blobLabels)));
                }
                view.addContentLease(tx, actual);
                return exists;
            });
            committed = true;
            if (existed) {
                throw ContainerjException.alreadyExists("content %s: already exists", actual);
            }
        } finally {
            lock.unlock();
            ingestLock.unlock();
        }
    }

    @Override
    public synchronized void close() {
        if (local != null) {
            local.close();
        }
    }

    private void ensureNotCommitted() {
        if (committed) {
            throw ContainerjException.failedPrecondition("ingest %s is already committed", quote(ref));
        }
    }
}
