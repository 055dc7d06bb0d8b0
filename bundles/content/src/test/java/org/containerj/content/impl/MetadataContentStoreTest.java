package org.containerj.content.impl;

import static org.containerj.content.impl.LocalContentStoreTest.bytes;
import static org.containerj.content.impl.LocalContentStoreTest.kindOf;
import static org.containerj.content.impl.LocalContentStoreTest.read;
import static org.containerj.content.impl.LocalContentStoreTest.sha256;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

import org.containerj.api.content.ContentInfo;
import org.containerj.api.content.ContentStore;
import org.containerj.api.content.ContentWriter;
import org.containerj.api.content.Digest;
import org.containerj.api.content.IngestStatus;
import org.containerj.api.errdefs.ContainerjException;
import org.containerj.api.errdefs.ErrorKind;
import org.containerj.api.leases.LeaseResource;
import org.containerj.api.metadata.MetadataLayout;
import org.containerj.leases.impl.MetadataLeaseManager;
import org.containerj.metadata.impl.LmdbMetadataStore;
import org.containerj.metadata.impl.MetadataNamespaceStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MetadataContentStoreTest {
    @TempDir
    Path dir;
    private LmdbMetadataStore db;
    private LocalContentStore local;
    private MetadataContentStore content;
    private final List<String> deleted = new CopyOnWriteArrayList<>();

    @BeforeEach
    void open() throws IOException {
        db = LmdbMetadataStore.open(Files.createDirectories(dir.resolve("meta")), LmdbMetadataStore.Options.defaults(),
                List.of());
        local = LocalContentStore.open(dir.resolve("content"));
        content = new MetadataContentStore(db, local, (ns, d) -> deleted.add(ns + " " + d));
    }

    @AfterEach
    void close() {
        local.close();
        db.close();
    }

    private Digest commit(ContentStore store, String ref, String data, Map<String, String> labels) {
        try (ContentWriter w = store.writer(ref, 0, null, Map.of())) {
            w.write(bytes(data));
            w.commit(data.length(), sha256(data), labels);
        }
        return sha256(data);
    }

    private List<ContentInfo> walk(ContentStore store, String... filters) {
        List<ContentInfo> found = new ArrayList<>();
        store.walk(List.of(filters), found::add);
        return found;
    }

    @Test
    void namespacesSeeOnlyWhatTheyCommitted() throws IOException {
        ContentStore a = content.forNamespace("a");
        ContentStore b = content.forNamespace("b");
        Digest hello = commit(a, "ref1", "hello", Map.of());
        assertEquals(5, a.info(hello).size());
        assertEquals("hello", read(a.reader(hello)));
        assertEquals(ErrorKind.NOT_FOUND, kindOf(() -> b.info(hello)));
        assertEquals(ErrorKind.NOT_FOUND, kindOf(() -> b.reader(hello)));
        assertEquals(ErrorKind.NOT_FOUND, kindOf(() -> b.update(new ContentInfo(hello, 0, null, null, Map.of()),
                Set.of())));
        assertTrue(walk(b).isEmpty());
        assertEquals(1, walk(a).size());
        assertEquals(5, local.info(hello).size(), "stored once underneath");
        assertTrue(db.<Boolean>view(tx -> tx.exists(MetadataLayout.namespaceLabels("a"))), "the namespace is created");
        assertTrue(new MetadataNamespaceStore(db).list().stream().anyMatch(ns -> ns.name().equals("a")));
    }

    @Test
    void contentAlreadyUnderneathIsSharedWithoutWriting() {
        Digest hello = commit(content.forNamespace("a"), "ref1", "hello", Map.of());
        ContentStore b = content.forNamespace("b");
        try (ContentWriter w = b.writer("ref-b", 5, hello, Map.of())) {
            IngestStatus status = w.status();
            assertEquals(5, status.offset(), "nothing left to write");
            assertEquals(hello, w.digest());
            assertTrue(local.listStatuses(List.of()).isEmpty(), "no ingest underneath");
            w.commit(5, hello, Map.of("from", "a"));
        }
        assertEquals(Map.of("from", "a"), b.info(hello).labels());
        assertEquals(ErrorKind.ALREADY_EXISTS, kindOf(() -> b.writer("again", 0, hello, Map.of())));
        // a different size announced: not shared, the data must come
        ContentStore c = content.forNamespace("c");
        try (ContentWriter w = c.writer("ref-c", 6, hello, Map.of())) {
            assertEquals(0, w.status().offset());
        }
    }

    @Test
    void isolatedPolicyMakesEveryNamespaceSendItsData() {
        Digest hello = commit(content.forNamespace("a"), "ref1", "hello", Map.of());
        content.setSharing(false);
        ContentStore b = content.forNamespace("b");
        try (ContentWriter w = b.writer("ref-b", 5, hello, Map.of())) {
            assertEquals(0, w.status().offset(), "isolated: the data must come again");
            assertEquals(ErrorKind.FAILED_PRECONDITION, kindOf(() -> w.commit(5, hello, Map.of())));
        }
        assertEquals(ErrorKind.NOT_FOUND, kindOf(() -> b.info(hello)));
        content.setSharing(true);
        try (ContentWriter w = b.writer("ref-b2", 5, hello, Map.of())) {
            assertEquals(5, w.status().offset(), "shared again");
            w.commit(5, hello, Map.of());
        }
        assertEquals(5, b.info(hello).size());
    }

    @Test
    void sharedIngestsCanStillBeWritten() throws IOException {
        Digest hello = commit(content.forNamespace("a"), "ref1", "hello", Map.of());
        ContentStore b = content.forNamespace("b");
        try (ContentWriter w = b.writer("ref-b", 0, hello, Map.of())) {
            w.truncate(0);
            assertEquals(0, w.status().offset());
            w.write(bytes("hello"));
            w.commit(5, hello, Map.of());
        }
        assertEquals("hello", read(b.reader(hello)));
    }

    @Test
    void deleteRemovesTheRecordAndTheBlobWithItsLastRecord() {
        ContentStore a = content.forNamespace("a");
        ContentStore b = content.forNamespace("b");
        Digest hello = commit(a, "ref1", "hello", Map.of());
        commit(b, "ref1", "hello", Map.of());
        a.delete(hello);
        assertEquals(ErrorKind.NOT_FOUND, kindOf(() -> a.info(hello)));
        assertEquals(5, b.info(hello).size());
        assertEquals(5, local.info(hello).size(), "b still has it");
        b.delete(hello);
        assertEquals(ErrorKind.NOT_FOUND, kindOf(() -> local.info(hello)), "no namespace has it any more");
        assertEquals(ErrorKind.NOT_FOUND, kindOf(() -> b.delete(hello)));
        assertEquals(List.of("a " + hello, "b " + hello), deleted);
    }

    @Test
    void anIngestStandingForABlobKeepsIt() {
        ContentStore a = content.forNamespace("a");
        Digest hello = commit(a, "ref1", "hello", Map.of());
        ContentWriter shared = content.forNamespace("b").writer("ref-b", 0, hello, Map.of());
        a.delete(hello);
        assertEquals(5, local.info(hello).size());
        shared.commit(0, hello, Map.of());
        assertEquals(5, content.forNamespace("b").info(hello).size());
    }

    @Test
    void mismatchesChangeNothingVisible() {
        ContentStore a = content.forNamespace("a");
        ContentWriter w = a.writer("ref1", 0, null, Map.of());
        w.write(bytes("hello"));
        assertEquals(ErrorKind.FAILED_PRECONDITION, kindOf(() -> w.commit(4, null, Map.of())));
        assertEquals(ErrorKind.FAILED_PRECONDITION, kindOf(() -> w.commit(5, sha256("other"), Map.of())));
        assertEquals(ErrorKind.NOT_FOUND, kindOf(() -> a.info(sha256("hello"))));
        assertEquals(ErrorKind.NOT_FOUND, kindOf(() -> local.info(sha256("hello"))));
        assertTrue(walk(a).isEmpty());
        assertEquals(5, a.status("ref1").offset(), "the ingest stays");
        a.abort("ref1");
        assertEquals(ErrorKind.NOT_FOUND, kindOf(() -> a.status("ref1")));
        assertTrue(local.listStatuses(List.of()).isEmpty(), "aborted underneath too");
    }

    @Test
    void ingestsArePerNamespace() {
        ContentStore a = content.forNamespace("a");
        ContentStore b = content.forNamespace("b");
        ContentWriter w = a.writer("layer-1", 10, null, Map.of());
        w.write(bytes("abc"));
        w.close();
        a.writer("manifest-1", 0, null, Map.of()).close();
        assertEquals("layer-1", a.status("layer-1").ref());
        assertEquals(3, a.status("layer-1").offset());
        assertEquals(10, a.status("layer-1").total());
        assertEquals(ErrorKind.NOT_FOUND, kindOf(() -> b.status("layer-1")));
        assertEquals(ErrorKind.NOT_FOUND, kindOf(() -> b.abort("layer-1")));
        assertTrue(b.listStatuses(List.of()).isEmpty());
        assertEquals(2, a.listStatuses(List.of()).size());
        assertEquals(List.of("layer-1"), a.listStatuses(List.of("ref~=^layer")).stream().map(IngestStatus::ref).toList());

        // the same ref in another namespace is another ingest
        try (ContentWriter other = b.writer("layer-1", 0, null, Map.of())) {
            assertEquals(0, other.status().offset());
        }
    }

    @Test
    void oneWriterPerRefInANamespace() {
        ContentStore a = content.forNamespace("a");
        ContentWriter first = a.writer("ref1", 0, null, Map.of());
        ContainerjException e = assertThrows(ContainerjException.class, () -> a.writer("ref1", 0, null, Map.of()));
        assertEquals(ErrorKind.UNAVAILABLE, e.kind());
        assertTrue(e.getMessage().contains("locked"), e.getMessage());
        assertEquals(0, a.status("ref1").offset(), "the ingest of the first writer is untouched");
        first.close();
        a.writer("ref1", 0, null, Map.of()).close();
    }

    @Test
    void aWriterOpenedWhileItsRefCommitsLeavesNoIngestUnderneath() throws Exception {
        PausingStore backend = new PausingStore(local);
        MetadataContentStore store = new MetadataContentStore(db, backend);
        ContentStore a = store.forNamespace("a");
        Digest hello = sha256("hello");
        ContentWriter first = a.writer("ref1", 5, hello, Map.of());
        first.write(bytes("hello"));

        // the first commit stops right after publishing underneath, before its record is dropped
        CompletableFuture<Void> committed = CompletableFuture.runAsync(() -> first.commit(5, hello, Map.of()));
        assertTrue(backend.published.await(10, TimeUnit.SECONDS), "the commit published");
        // a second writer of the same ref, as a concurrent pull of the same image opens one
        CompletableFuture<ErrorKind> second = CompletableFuture.supplyAsync(() -> {
            try {
                a.writer("ref1", 5, hello, Map.of()).close();
                return null;
            } catch (ContainerjException e) {
                return e.kind();
            }
        });
        // it waits for the commit to finish
        ReentrantLock ingestLock = (ReentrantLock) store.ingestLock("a", "ref1");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!ingestLock.hasQueuedThreads() && !second.isDone()) {
            assertTrue(System.nanoTime() < deadline, "the second writer waits for the ingest lock");
            Thread.onSpinWait();
        }
        backend.release.countDown();
        committed.get(10, TimeUnit.SECONDS);
        assertEquals(ErrorKind.ALREADY_EXISTS, second.get(10, TimeUnit.SECONDS), "the namespace has it by then");
        assertEquals(List.of(), local.listStatuses(List.of()), "no ingest left underneath");
        assertEquals(List.of(), a.listStatuses(List.of()));
    }

    /** The local store, with writers whose commit stops after publishing until released. */
    private static final class PausingStore implements ContentStore {
        final CountDownLatch published = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        private final ContentStore delegate;

        PausingStore(ContentStore delegate) {
            this.delegate = delegate;
        }

        @Override
        public ContentWriter writer(String ref, long total, Digest expected, Map<String, String> labels) {
            ContentWriter w = delegate.writer(ref, total, expected, labels);
            return new ContentWriter() {
                @Override
                public void write(java.nio.ByteBuffer data) {
                    w.write(data);
                }

                @Override
                public IngestStatus status() {
                    return w.status();
                }

                @Override
                public Digest digest() {
                    return w.digest();
                }

                @Override
                public void truncate(long offset) {
                    w.truncate(offset);
                }

                @Override
                public void commit(long size, Digest expected, Map<String, String> labels) {
                    w.commit(size, expected, labels);
                    published.countDown();
                    try {
                        release.await(10, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }

                @Override
                public void close() {
                    w.close();
                }
            };
        }

        @Override
        public ContentInfo info(Digest digest) {
            return delegate.info(digest);
        }

        @Override
        public ContentInfo update(ContentInfo info, Set<String> fieldPaths) {
            return delegate.update(info, fieldPaths);
        }

        @Override
        public void walk(List<String> filters, java.util.function.Consumer<ContentInfo> visitor) {
            delegate.walk(filters, visitor);
        }

        @Override
        public void delete(Digest digest) {
            delegate.delete(digest);
        }

        @Override
        public java.nio.channels.SeekableByteChannel reader(Digest digest) {
            return delegate.reader(digest);
        }

        @Override
        public IngestStatus status(String ref) {
            return delegate.status(ref);
        }

        @Override
        public List<IngestStatus> listStatuses(List<String> filters) {
            return delegate.listStatuses(filters);
        }

        @Override
        public void abort(String ref) {
            delegate.abort(ref);
        }
    }

    @Test
    void committingWhatTheNamespaceHasIsAlreadyExistsAndDropsTheIngest() {
        ContentStore a = content.forNamespace("a");
        commit(a, "ref1", "hello", Map.of());
        ContentWriter w = a.writer("ref2", 0, null, Map.of());
        w.write(bytes("hello"));
        assertEquals(ErrorKind.ALREADY_EXISTS, kindOf(() -> w.commit(5, sha256("hello"), Map.of())));
        assertEquals(ErrorKind.NOT_FOUND, kindOf(() -> a.status("ref2")));
    }

    @Test
    void labels() {
        ContentStore a = content.forNamespace("a");
        Digest d = commit(a, "ref1", "hello", Map.of("a", "1", "b", "2"));
        ContentInfo before = a.info(d);
        assertEquals(Map.of("a", "1", "b", "2"), before.labels());

        ContentInfo updated = a.update(new ContentInfo(d, 0, null, null, Map.of("a", "9")), Set.of("labels.a", "labels.b"));
        assertEquals(Map.of("a", "9"), updated.labels(), "labels.b absent from the update removes it");
        assertEquals(5, updated.size());
        assertEquals(before.createdAt(), updated.createdAt());
        assertFalse(updated.updatedAt().isBefore(before.updatedAt()));
        assertEquals(updated, a.info(d));

        assertEquals(Map.of("x", "y"), a.update(new ContentInfo(d, 0, null, null, Map.of("x", "y", "e", "")),
                Set.of("labels")).labels(), "empty values are no labels");
        assertEquals(Map.of(), a.update(new ContentInfo(d, 0, null, null, Map.of()), Set.of()).labels());
        assertEquals(ErrorKind.INVALID_ARGUMENT, kindOf(() -> a.update(new ContentInfo(d, 0, null, null, Map.of()),
                Set.of("size"))));
        assertEquals(ErrorKind.INVALID_ARGUMENT, kindOf(() -> a.update(
                new ContentInfo(d, 0, null, null, Map.of("k", "v".repeat(5000))), Set.of("labels.k"))));
        assertEquals(Map.of(), a.info(d).labels(), "a rejected update changes nothing");
    }

    @Test
    void walkFilters() {
        ContentStore a = content.forNamespace("a");
        Digest one = commit(a, "r1", "one", Map.of("containerd.io/gc.root", "x", "kind", "config"));
        Digest two = commit(a, "r2", "two", Map.of("kind", "layer"));
        commit(content.forNamespace("b"), "r3", "three", Map.of("kind", "layer"));
        assertEquals(2, walk(a).size());
        assertEquals(List.of(two), walk(a, "labels.kind==layer").stream().map(ContentInfo::digest).toList());
        assertEquals(List.of(one), walk(a, "labels.\"containerd.io/gc.root\"").stream().map(ContentInfo::digest)
                .toList());
        assertEquals(List.of(one), walk(a, "digest==" + one).stream().map(ContentInfo::digest).toList());
        assertEquals(2, walk(a, "labels.kind==layer", "labels.kind==config").size(), "filters are alternatives");
        assertEquals(ErrorKind.INVALID_ARGUMENT, kindOf(() -> walk(a, "labels.kind==")));
    }

    @Test
    void writesAreAddedToTheLease() {
        MetadataLeaseManager leases = new MetadataLeaseManager(db);
        leases.create("a", "pull", Map.of());
        ContentStore leased = content.forNamespace("a", "pull");
        ContentWriter w = leased.writer("ref1", 0, null, Map.of());
        assertEquals(List.of(new LeaseResource("ref1", "ingests")), leases.listResources("a", "pull"));
        w.write(bytes("hello"));
        w.commit(0, null, Map.of());
        assertEquals(List.of(new LeaseResource(sha256("hello").toString(), "content")),
                leases.listResources("a", "pull"));

        assertEquals(ErrorKind.NOT_FOUND, kindOf(() -> content.forNamespace("a", "nope").writer("r", 0, null, Map.of())));
        assertTrue(content.forNamespace("a").listStatuses(List.of()).isEmpty(), "a failed open leaves no ingest");

        leased.delete(sha256("hello"));
        assertTrue(leases.listResources("a", "pull").isEmpty());
    }

    @Test
    void aBlobCommittedInOneNamespaceSurvivesDeletesInAnother() throws Exception {
        // two namespaces commit, read and delete the same content over and over: each must
        // always read what it has just committed, whatever the other deletes meanwhile
        List<Throwable> failures = new CopyOnWriteArrayList<>();
        List<Thread> threads = new ArrayList<>();
        for (String ns : List.of("a", "b")) {
            Thread t = new Thread(() -> {
                ContentStore store = content.forNamespace(ns);
                try {
                    for (int i = 0; i < 100; i++) {
                        Digest d = commit(store, "ref-" + i, "shared bytes", Map.of());
                        assertEquals("shared bytes", read(store.reader(d)));
                        store.delete(d);
                    }
                } catch (Throwable e) {
                    failures.add(e);
                }
            });
            threads.add(t);
            t.start();
        }
        for (Thread t : threads) {
            t.join();
        }
        assertEquals(List.of(), failures);
        assertEquals(ErrorKind.NOT_FOUND, kindOf(() -> local.info(sha256("shared bytes"))), "the last delete removed it");
    }

    @Test
    void badNamesAreRejectedBeforeAnythingIsWritten() {
        assertEquals(ErrorKind.INVALID_ARGUMENT, kindOf(() -> content.forNamespace("bad ns")));
        ContentStore a = content.forNamespace("a");
        assertEquals(ErrorKind.INVALID_ARGUMENT, kindOf(() -> a.writer("", 0, null, Map.of())));
        assertEquals(ErrorKind.INVALID_ARGUMENT, kindOf(() -> a.writer("r".repeat(600), 0, null, Map.of())));
        assertEquals(ErrorKind.INVALID_ARGUMENT, kindOf(() -> a.writer("r", 0, null, Map.of("", "v"))));
        assertTrue(db.view(tx -> tx.children(MetadataLayout.NAMESPACES)).isEmpty());
    }
}
