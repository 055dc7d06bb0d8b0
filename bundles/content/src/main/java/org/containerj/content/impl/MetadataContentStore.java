package org.containerj.content.impl;

import static org.containerj.content.impl.ContentRecords.EMPTY;
import static org.containerj.content.impl.ContentRecords.INGEST_EXPECTED;
import static org.containerj.content.impl.ContentRecords.INGEST_EXPIRE_AT;
import static org.containerj.content.impl.ContentRecords.INGEST_REF;
import static org.containerj.content.impl.ContentRecords.blob;
import static org.containerj.content.impl.ContentRecords.utf8;
import static org.containerj.content.impl.LocalContentStore.quote;

import java.nio.channels.SeekableByteChannel;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

import org.containerj.api.content.ContentInfo;
import org.containerj.api.content.ContentStore;
import org.containerj.api.content.ContentWriter;
import org.containerj.api.content.Digest;
import org.containerj.api.content.IngestStatus;
import org.containerj.api.content.NamespacedContentStore;
import org.containerj.api.errdefs.ContainerjException;
import org.containerj.api.errdefs.ErrorKind;
import org.containerj.api.identifiers.Identifiers;
import org.containerj.api.identifiers.Labels;
import org.containerj.api.metadata.Entry;
import org.containerj.api.metadata.Key;
import org.containerj.api.metadata.MetadataLayout;
import org.containerj.api.metadata.MetadataStore;
import org.containerj.api.metadata.ReadTransaction;
import org.containerj.api.metadata.WriteTransaction;
import org.containerj.filters.FieldPaths;
import org.containerj.filters.Filter;
import org.tinylog.Logger;

/**
 * containerd's metadata content store: the blobs of a {@link ContentStore} underneath,
 * seen per namespace through records in the metadata store (see {@link ContentRecords}).
 * A namespace sees a blob once it committed it; labels and times are the namespace's own.
 *
 * <p>Shared content, as in containerd (its default "shared" policy): a writer whose
 * expected digest is already underneath (with the expected size, or none given) writes
 * nothing: committing it just adds the namespace's record. Its ingest record names the
 * digest, so the blob stays while the ingest lasts.
 *
 * <p>Deleting removes the namespace's record; when no namespace has a record of the blob
 * and no ingest stands for it, the blob underneath is removed in the same call (the
 * garbage collector, a later piece, will take this over). That removal excludes, through a
 * read-write lock, the few steps that make a blob reachable: opening a writer on shared
 * content and committing. So a blob committed meanwhile by another namespace (which finds
 * the file there and only adds its record) or shared by a new ingest is never removed from
 * under it. An ingest in progress whose data happens to equal a removed blob is unaffected:
 * its commit puts the file back.
 */
public final class MetadataContentStore implements NamespacedContentStore {
    /** How long an ingest held by no lease lives before garbage collection may abort it (containerd: 24h). */
    static final Duration INGEST_EXPIRY = Duration.ofHours(24);

    private final MetadataStore db;
    private final ContentStore backend;
    private final BiConsumer<String, Digest> onDelete;
    private final ReentrantReadWriteLock sweep = new ReentrantReadWriteLock();
    /** Ingest locks, striped by namespace and ref (see {@link #ingestLock}). */
    private final Lock[] ingestLocks = new Lock[64];
    private final AtomicLong ingestSequence = new AtomicLong(System.currentTimeMillis() * 1000);
    /** containerd's content_sharing_policy: true for "shared" (its default), false for "isolated". */
    private volatile boolean sharing = true;

    /**
     * @param onDelete told of each blob deleted from a namespace, after the fact (the
     *        content-service publishes {@code /content/delete} with it)
     */
    public MetadataContentStore(MetadataStore db, ContentStore backend, BiConsumer<String, Digest> onDelete) {
        this.db = db;
        this.backend = backend;
        this.onDelete = onDelete;
        for (int i = 0; i < ingestLocks.length; i++) {
            ingestLocks[i] = new ReentrantLock();
        }
    }

    public MetadataContentStore(MetadataStore db, ContentStore backend) {
        this(db, backend, (ns, d) -> {
        });
    }

    @Override
    public ContentStore forNamespace(String namespace, String lease) {
        Identifiers.validate(namespace);
        return new View(namespace, lease == null || lease.isEmpty() ? null : lease);
    }

    /** Applies containerd's content_sharing_policy; writers opened from now on follow it. */
    public void setSharing(boolean shared) {
        this.sharing = shared;
    }

    public boolean sharing() {
        return sharing;
    }

    ContentStore backend() {
        return backend;
    }

    MetadataStore db() {
        return db;
    }

    /**
     * The lock of ingest {@code ref} of {@code namespace}, held while a writer is opened (its
     * record read or made, then the writer underneath opened on the record's ref) and while
     * one commits (the blob published underneath, which removes the ingest there, then the
     * record dropped). containerd gets this from running both in one store transaction.
     * Without it, a second writer of the same ref opened between the two steps of a commit
     * made a new ingest underneath for a record about to go, which nothing removed: two
     * concurrent pulls of one image in one namespace left such ingests behind.
     */
    Lock ingestLock(String namespace, String ref) {
        return ingestLocks[Math.floorMod(Objects.hash(namespace, ref), ingestLocks.length)];
    }

    /** Held while making a blob reachable; the removal of unreferenced blobs holds the other side. */
    Lock reachability() {
        return sweep.readLock();
    }

    /** Removes the blobs underneath that nothing references any more (for the garbage collector). */
    @Override
    public Set<Digest> removeUnreferenced(Collection<Digest> digests) {
        Set<Digest> removed = new LinkedHashSet<>();
        sweep.writeLock().lock();
        try {
            for (Digest digest : digests) {
                if (db.view(tx -> referenced(tx, digest))) {
                    continue;
                }
                try {
                    backend.delete(digest);
                    removed.add(digest);
                } catch (ContainerjException e) {
                    if (e.kind() != ErrorKind.NOT_FOUND) {
                        Logger.warn("content {}: unreferenced but not removed: {}", digest, e.getMessage());
                    }
                }
            }
        } finally {
            sweep.writeLock().unlock();
        }
        return removed;
    }

    /** True when some namespace has a record of {@code digest} or an ingest that stands for it. */
    private static boolean referenced(ReadTransaction tx, Digest digest) {
        String wanted = digest.toString();
        for (String ns : tx.children(MetadataLayout.NAMESPACES)) {
            if (tx.exists(blob(ns, digest))) {
                return true;
            }
            Key ingests = ContentRecords.ingests(ns);
            boolean[] found = {false};
            tx.forEach(ingests, e -> {
                if (e.key().size() == ingests.size() + 2 && e.key().last().equals(INGEST_EXPECTED)
                        && utf8(e.value()).equals(wanted)) {
                    found[0] = true;
                    return false;
                }
                return true;
            });
            if (found[0]) {
                return true;
            }
        }
        return false;
    }

    /** The content of one namespace, with the lease (or none) that what it writes is added to. */
    final class View implements ContentStore {
        final String namespace;
        final String lease;

        View(String namespace, String lease) {
            this.namespace = namespace;
            this.lease = lease;
        }

        @Override
        public ContentInfo info(Digest digest) {
            return db.view(tx -> read(tx, digest));
        }

        private ContentInfo read(ReadTransaction tx, Digest digest) {
            return tx.get(blob(namespace, digest)).map(v -> ContentRecords.decodeBlob(digest, v))
                    .orElseThrow(() -> ContainerjException.notFound("content digest %s: not found", digest));
        }

        @Override
        public ContentInfo update(ContentInfo info, Set<String> fieldPaths) {
            Digest digest = info.digest();
            List<String> paths = List.copyOf(fieldPaths);
            return db.update(tx -> {
                ContentInfo current = read(tx, digest);
                Map<String, String> labels = ContentRecords.withoutEmpty(
                        FieldPaths.applyLabels(current.labels(), info.labels(), paths, List.of()));
                Labels.validate(labels);
                ContentInfo updated = new ContentInfo(digest, current.size(), current.createdAt(), Instant.now(), labels);
                tx.put(blob(namespace, digest), ContentRecords.encodeBlob(updated));
                return updated;
            });
        }

        @Override
        public void walk(List<String> filters, Consumer<ContentInfo> visitor) {
            Filter filter = Filter.parse(filters);
            Key blobs = ContentRecords.blobs(namespace);
            // collected first, so that the visitor (a gRPC stream) runs outside the transaction
            List<ContentInfo> found = db.view(tx -> {
                List<ContentInfo> infos = new ArrayList<>();
                tx.forEach(blobs, e -> {
                    Digest digest = digestOf(e);
                    if (digest != null) {
                        ContentInfo info = ContentRecords.decodeBlob(digest, e.value());
                        if (filter.matches(ContentFields.of(info))) {
                            infos.add(info);
                        }
                    }
                    return true;
                });
                return infos;
            });
            found.forEach(visitor);
        }

        private Digest digestOf(Entry e) {
            if (e.key().size() != ContentRecords.blobs(namespace).size() + 1) {
                return null;
            }
            try {
                return Digest.parse(e.key().last());
            } catch (ContainerjException notADigest) {
                return null;
            }
        }

        @Override
        public void delete(Digest digest) {
            sweep.writeLock().lock();
            try {
                boolean stillReferenced = db.update(tx -> {
                    if (!tx.delete(blob(namespace, digest))) {
                        throw ContainerjException.notFound("content digest %s: not found", digest);
                    }
                    if (lease != null) {
                        tx.delete(ContentRecords.lease(namespace, lease).child("content", digest.toString()));
                    }
                    return referenced(tx, digest);
                });
                if (!stillReferenced) {
                    try {
                        backend.delete(digest);
                    } catch (ContainerjException e) {
                        if (e.kind() != ErrorKind.NOT_FOUND) {
                            Logger.warn("content {}: deleted from namespace {} but not from the store: {}", digest,
                                    namespace, e.getMessage());
                        }
                    }
                }
            } finally {
                sweep.writeLock().unlock();
            }
            onDelete.accept(namespace, digest);
        }

        @Override
        public SeekableByteChannel reader(Digest digest) {
            db.view(tx -> read(tx, digest));
            return backend.reader(digest);
        }

        /**
         * Opens the ingest {@code ref} of this namespace, or resumes it. ALREADY_EXISTS when
         * the namespace has {@code expected} (which is then added to the lease, as containerd
         * does); labels given here are applied on commit, under those given to commit.
         */
        @Override
        public ContentWriter writer(String ref, long total, Digest expected, Map<String, String> labels) {
            if (ref == null || ref.isEmpty()) {
                throw ContainerjException.invalidArgument("ref must not be empty");
            }
            Map<String, String> openLabels = labels == null ? Map.of() : Map.copyOf(Labels.validate(labels));
            Key ingest = ContentRecords.ingest(namespace, ref);
            Lock ingestLock = ingestLock(namespace, ref);
            ingestLock.lock();
            Lock lock = reachability();
            lock.lock();
            try {
                long shared = sharedSize(total, expected);
                String freshRef = namespace + "/" + ingestSequence.incrementAndGet() + "/" + ref;
                Instant expireAt = Instant.now().plus(INGEST_EXPIRY);
                Opened opened = db.update(tx -> {
                    if (expected != null && tx.exists(blob(namespace, expected))) {
                        addContentLease(tx, expected);
                        return null;
                    }
                    tx.putIfAbsent(MetadataLayout.namespaceLabels(namespace), EMPTY);
                    boolean leased = addIngestLease(tx, ref);
                    Optional<String> existing = tx.get(ingest.child(INGEST_REF)).map(ContentRecords::utf8);
                    String backendRef = existing.orElse(freshRef);
                    if (existing.isEmpty()) {
                        tx.put(ingest.child(INGEST_REF), utf8(backendRef));
                    }
                    if (!leased) {
                        tx.put(ingest.child(INGEST_EXPIRE_AT), utf8(expireAt.toString()));
                    }
                    if (shared >= 0) {
                        tx.put(ingest.child(INGEST_EXPECTED), utf8(expected.toString()));
                    } else {
                        tx.delete(ingest.child(INGEST_EXPECTED));
                    }
                    return new Opened(backendRef, existing.isEmpty());
                });
                if (opened == null) {
                    throw ContainerjException.alreadyExists("content %s: already exists", expected);
                }
                if (shared >= 0) {
                    return new NamespacedWriter(MetadataContentStore.this, this, ref, opened.backendRef, null, expected,
                            shared, openLabels);
                }
                try {
                    // the expected digest is checked on commit against the namespace, not underneath
                    ContentWriter local = backend.writer(opened.backendRef, total, null, Map.of());
                    return new NamespacedWriter(MetadataContentStore.this, this, ref, opened.backendRef, local, null, 0,
                            openLabels);
                } catch (RuntimeException e) {
                    if (opened.created) {
                        forgetIngest(ref, opened.backendRef);
                    }
                    throw e;
                }
            } finally {
                lock.unlock();
                ingestLock.unlock();
            }
        }

        /** The size of {@code expected} when the store underneath has it with that size (or none given); else -1. */
        private long sharedSize(long total, Digest expected) {
            if (expected == null || !sharing) {
                return -1;
            }
            try {
                long size = backend.info(expected).size();
                return total <= 0 || total == size ? size : -1;
            } catch (ContainerjException e) {
                if (e.kind() == ErrorKind.NOT_FOUND) {
                    return -1;
                }
                throw e;
            }
        }

        /** Undoes the record of an ingest just created whose writer could not be opened. */
        private void forgetIngest(String ref, String backendRef) {
            Key ingest = ContentRecords.ingest(namespace, ref);
            db.update(tx -> {
                if (tx.get(ingest.child(INGEST_REF)).map(ContentRecords::utf8).filter(backendRef::equals).isPresent()) {
                    tx.deleteAll(ingest);
                    removeIngestLease(tx, ref);
                }
                return null;
            });
        }

        @Override
        public IngestStatus status(String ref) {
            String backendRef = db.view(tx -> backendRef(tx, ref))
                    .orElseThrow(() -> ContainerjException.notFound("ref %s: not found", quote(ref)));
            return named(backend.status(backendRef), ref);
        }

        private Optional<String> backendRef(ReadTransaction tx, String ref) {
            if (ref == null || ref.isEmpty()) {
                throw ContainerjException.invalidArgument("ref must not be empty");
            }
            return tx.get(ContentRecords.ingest(namespace, ref).child(INGEST_REF)).map(ContentRecords::utf8);
        }

        /** Ingests with data underneath; those standing for shared content have none and are left out, as in containerd. */
        @Override
        public List<IngestStatus> listStatuses(List<String> filters) {
            Filter filter = Filter.parse(filters);
            Map<String, String> refs = db.view(tx -> {
                Map<String, String> found = new LinkedHashMap<>();
                for (String ref : tx.children(ContentRecords.ingests(namespace))) {
                    backendRef(tx, ref).ifPresent(b -> found.put(ref, b));
                }
                return found;
            });
            List<IngestStatus> statuses = new ArrayList<>();
            refs.forEach((ref, backendRef) -> {
                try {
                    IngestStatus status = named(backend.status(backendRef), ref);
                    if (filter.matches(ContentFields.of(status))) {
                        statuses.add(status);
                    }
                } catch (ContainerjException e) {
                    if (e.kind() != ErrorKind.NOT_FOUND) {
                        throw e;
                    }
                }
            });
            return statuses;
        }

        @Override
        public void abort(String ref) {
            Key ingest = ContentRecords.ingest(namespace, ref);
            Lock lock = reachability();
            lock.lock();
            try {
                String[] aborted = db.update(tx -> {
                    Optional<String> backendRef = backendRef(tx, ref);
                    if (!tx.existsUnder(ingest)) {
                        throw ContainerjException.notFound("ref %s: not found", quote(ref));
                    }
                    boolean shared = tx.exists(ingest.child(INGEST_EXPECTED));
                    tx.deleteAll(ingest);
                    removeIngestLease(tx, ref);
                    return new String[] {shared ? null : backendRef.orElse(null)};
                });
                if (aborted[0] != null) {
                    try {
                        backend.abort(aborted[0]);
                    } catch (ContainerjException e) {
                        if (e.kind() != ErrorKind.NOT_FOUND) {
                            throw e;
                        }
                    }
                }
            } finally {
                lock.unlock();
            }
        }

        // ---- leases: what this view writes is held by its lease, as containerd does for the context's lease

        void addContentLease(WriteTransaction tx, Digest digest) {
            if (lease != null) {
                requireLease(tx);
                tx.put(ContentRecords.lease(namespace, lease).child("content", digest.toString()), EMPTY);
            }
        }

        boolean addIngestLease(WriteTransaction tx, String ref) {
            if (lease == null) {
                return false;
            }
            requireLease(tx);
            tx.put(ContentRecords.lease(namespace, lease).child("ingests", ref), EMPTY);
            return true;
        }

        void removeIngestLease(WriteTransaction tx, String ref) {
            if (lease != null) {
                tx.delete(ContentRecords.lease(namespace, lease).child("ingests", ref));
            }
        }

        private void requireLease(ReadTransaction tx) {
            if (!tx.existsUnder(ContentRecords.lease(namespace, lease))) {
                throw ContainerjException.notFound("lease %s does not exist", quote(lease));
            }
        }
    }

    private record Opened(String backendRef, boolean created) {
    }

    static IngestStatus named(IngestStatus s, String ref) {
        return new IngestStatus(ref, s.offset(), s.total(), s.expected(), s.startedAt(), s.updatedAt());
    }
}
