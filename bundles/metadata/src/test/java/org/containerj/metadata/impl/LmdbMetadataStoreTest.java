package org.containerj.metadata.impl;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.containerj.api.errdefs.ContainerjException;
import org.containerj.api.errdefs.ErrorKind;
import org.containerj.api.metadata.Entry;
import org.containerj.api.metadata.Key;
import org.containerj.api.metadata.ReadTransaction;
import org.containerj.api.metadata.ReadWork;
import org.containerj.api.metadata.WriteWork;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LmdbMetadataStoreTest {

    @TempDir
    Path dir;

    private LmdbMetadataStore store;

    @BeforeEach
    void open() {
        store = LmdbMetadataStore.open(dir, LmdbMetadataStore.Options.defaults(), Migrations.ALL);
    }

    @AfterEach
    void close() {
        store.close();
    }

    private static byte[] b(String s) {
        return s.getBytes(UTF_8);
    }

    private static String s(byte[] b) {
        return new String(b, UTF_8);
    }

    private void putAll(String... paths) {
        store.update(tx -> {
            for (String p : paths) {
                tx.put(Key.of(p.split("/")), b(p));
            }
            return null;
        });
    }

    private List<String> scan(Key prefix) {
        return store.view(tx -> tx.scan(prefix).stream().map(e -> e.key().toString()).toList());
    }

    private boolean viewB(ReadWork<Boolean> work) {
        return store.view(work);
    }

    private int viewI(ReadWork<Integer> work) {
        return store.view(work);
    }

    private boolean updateB(WriteWork<Boolean> work) {
        return store.update(work);
    }

    private int updateI(WriteWork<Integer> work) {
        return store.update(work);
    }

    @Test
    void putGetDelete() {
        Key k = Key.of("v1", "default", "images", "busybox");
        assertTrue(viewB(tx -> tx.get(k).isEmpty()));
        store.update(tx -> {
            tx.put(k, b("one"));
            assertEquals("one", s(tx.get(k).orElseThrow())); // sees its own write
            return null;
        });
        assertEquals("one", store.view(tx -> s(tx.get(k).orElseThrow())));
        assertTrue(viewB(tx -> tx.exists(k)));
        assertFalse(updateB(tx -> tx.putIfAbsent(k, b("two"))));
        assertEquals("one", store.view(tx -> s(tx.get(k).orElseThrow())));
        assertTrue(updateB(tx -> tx.delete(k)));
        assertFalse(updateB(tx -> tx.delete(k)));
        assertTrue(updateB(tx -> tx.putIfAbsent(k, b("two"))));
        assertEquals("two", store.view(tx -> s(tx.get(k).orElseThrow())));
        assertArrayEquals(new byte[0], store.update(tx -> {
            tx.put(k, new byte[0]);
            return tx.get(k).orElseThrow();
        }));
    }

    @Test
    void scansInKeyOrderAndExactlyPerSegment() {
        putAll("v1/ns/images/b", "v1/ns/images/a", "v1/ns/images/a/x", "v1/ns/imagesX/c", "v1/ns/images",
                "v1/nsX/images/a", "v1/ns/containers/c1", "v1/n/images/q");
        assertEquals(List.of("v1/ns/images", "v1/ns/images/a", "v1/ns/images/a/x", "v1/ns/images/b"),
                scan(Key.of("v1", "ns", "images")));
        assertEquals(List.of("v1/ns/containers/c1", "v1/ns/images", "v1/ns/images/a", "v1/ns/images/a/x",
                "v1/ns/images/b", "v1/ns/imagesX/c"), scan(Key.of("v1", "ns")));
        assertEquals(8, scan(Key.ROOT).size());
        assertEquals(List.of(), scan(Key.of("v1", "ns", "leases")));
        assertEquals(List.of("v1/ns/images/b"), scan(Key.of("v1", "ns", "images", "b")));

        assertEquals(List.of("n", "ns", "nsX"), store.view(tx -> tx.children(Key.of("v1"))));
        assertEquals(List.of("containers", "images", "imagesX"), store.view(tx -> tx.children(Key.of("v1", "ns"))));
        assertEquals(List.of("a", "b"), store.view(tx -> tx.children(Key.of("v1", "ns", "images"))));
        assertEquals(List.of("v1"), store.view(tx -> tx.children(Key.ROOT)));
        assertEquals(List.of(), store.view(tx -> tx.children(Key.of("v1", "ns", "images", "b"))));

        assertTrue(viewB(tx -> tx.existsUnder(Key.of("v1", "ns", "containers"))));
        assertTrue(viewB(tx -> tx.existsUnder(Key.of("v1", "ns", "images", "b"))));
        assertFalse(viewB(tx -> tx.existsUnder(Key.of("v1", "ns", "lease"))));
        assertFalse(viewB(tx -> tx.existsUnder(Key.of("v1", "nsY"))));
        assertFalse(viewB(tx -> tx.exists(Key.of("v1", "ns"))));
    }

    @Test
    void forEachStopsWhenTheVisitorSaysSo() {
        putAll("a/1", "a/2", "a/3", "b/1");
        List<String> seen = new ArrayList<>();
        store.view(tx -> {
            tx.forEach(Key.of("a"), e -> {
                seen.add(s(e.value()));
                return seen.size() < 2;
            });
            return null;
        });
        assertEquals(List.of("a/1", "a/2"), seen);
    }

    @Test
    void childrenSkipsOverLargeBuckets() {
        store.update(tx -> {
            for (int i = 0; i < 1000; i++) {
                tx.put(Key.of("v1", "big", "images", "i" + i), b("x"));
            }
            tx.put(Key.of("v1", "big", "leases", "l"), b("x"));
            tx.put(Key.of("v1", "big\u0001", "labels"), b("x"));
            tx.put(Key.of("v1", "small", "labels"), b("x"));
            return null;
        });
        assertEquals(List.of("big", "big\u0001", "small"), store.view(tx -> tx.children(Key.of("v1"))));
        assertEquals(List.of("images", "leases"), store.view(tx -> tx.children(Key.of("v1", "big"))));
    }

    @Test
    void deleteAllRemovesThePrefixAndEverythingBelowOnly() {
        putAll("v1/ns", "v1/ns/images/a", "v1/ns/images/b", "v1/ns/labels", "v1/nsX/images/a", "v1/n/x");
        assertEquals(4, updateI(tx -> tx.deleteAll(Key.of("v1", "ns"))));
        assertEquals(List.of("v1/n/x", "v1/nsX/images/a"), scan(Key.ROOT));
        assertEquals(0, updateI(tx -> tx.deleteAll(Key.of("v1", "ns"))));
        assertEquals(2, updateI(tx -> tx.deleteAll(Key.ROOT)));
        assertEquals(List.of(), scan(Key.ROOT));
    }

    @Test
    void failedWorkChangesNothing() {
        putAll("v1/ns/images/a");
        RuntimeException boom = new IllegalStateException("boom");
        RuntimeException thrown = assertThrows(RuntimeException.class, () -> store.update(tx -> {
            tx.put(Key.of("v1", "ns", "images", "b"), b("b"));
            tx.deleteAll(Key.of("v1", "ns", "images", "a"));
            throw boom;
        }));
        assertSame(boom, thrown);
        assertEquals(List.of("v1/ns/images/a"), scan(Key.ROOT));

        ContainerjException nf = assertThrows(ContainerjException.class, () -> store.update(tx -> {
            tx.put(Key.of("x"), b("x"));
            throw ContainerjException.notFound("thing %s", "y");
        }));
        assertEquals(ErrorKind.NOT_FOUND, nf.kind());
        assertEquals(List.of("v1/ns/images/a"), scan(Key.ROOT));
    }

    @Test
    void keysLongerThanLmdbAllowsAreInvalidArguments() {
        assertEquals(511, store.maxKeySize());
        Key tooLong = Key.of("v1", "ns", "images", "x".repeat(600));
        ContainerjException e = assertThrows(ContainerjException.class, () -> store.update(tx -> {
            tx.put(tooLong, b("x"));
            return null;
        }));
        assertEquals(ErrorKind.INVALID_ARGUMENT, e.kind());
        assertTrue(viewB(tx -> tx.get(tooLong).isEmpty()));
        assertFalse(viewB(tx -> tx.existsUnder(tooLong)));
        assertEquals(List.of(), scan(tooLong));
        assertFalse(updateB(tx -> tx.delete(tooLong)));

        Key longest = Key.of("x".repeat(511));
        store.update(tx -> {
            tx.put(longest, b("ok"));
            return null;
        });
        assertEquals(List.of("x".repeat(511)), store.view(tx -> tx.children(Key.ROOT)));
        assertEquals(ErrorKind.INVALID_ARGUMENT, assertThrows(ContainerjException.class,
                () -> store.update(tx -> {
                    tx.put(Key.ROOT, b("x"));
                    return null;
                })).kind());
    }

    @Test
    void transactionsDoNotOutliveTheirWork() {
        ReadTransaction leaked = store.view(tx -> tx);
        assertEquals(ErrorKind.FAILED_PRECONDITION,
                assertThrows(ContainerjException.class, () -> leaked.get(Key.of("a"))).kind());
        ContainerjException ro = assertThrows(ContainerjException.class,
                () -> store.view(tx -> {
                    ((org.containerj.api.metadata.WriteTransaction) tx).put(Key.of("a"), b("a"));
                    return null;
                }));
        assertEquals(ErrorKind.FAILED_PRECONDITION, ro.kind());
        ContainerjException nested = assertThrows(ContainerjException.class,
                () -> store.update(tx -> store.update(inner -> null)));
        assertEquals(ErrorKind.FAILED_PRECONDITION, nested.kind());
    }

    @Test
    void readersSeeASnapshotWhileAWriterWorks() throws Exception {
        putAll("k/v");
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            CountDownLatch written = new CountDownLatch(1);
            CountDownLatch read = new CountDownLatch(1);
            Future<?> writer = pool.submit(() -> store.update(tx -> {
                tx.put(Key.of("k", "v"), b("new"));
                written.countDown();
                await(read);
                return null;
            }));
            await(written);
            // the update is open and has written; a reader still sees the committed state
            Future<String> reader = pool.submit(() -> store.view(tx -> s(tx.get(Key.of("k", "v")).orElseThrow())));
            assertEquals("k/v", reader.get(10, TimeUnit.SECONDS));
            read.countDown();
            writer.get(10, TimeUnit.SECONDS);
            assertEquals("new", store.view(tx -> s(tx.get(Key.of("k", "v")).orElseThrow())));
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void writersAreSerialised() throws Exception {
        putAll("counter");
        store.update(tx -> {
            tx.put(Key.of("counter"), b("0"));
            return null;
        });
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> all = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                all.add(pool.submit(() -> store.update(tx -> {
                    int n = Integer.parseInt(s(tx.get(Key.of("counter")).orElseThrow()));
                    tx.put(Key.of("counter"), b(Integer.toString(n + 1)));
                    return null;
                })));
            }
            for (Future<?> f : all) {
                f.get(30, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals("200", store.view(tx -> s(tx.get(Key.of("counter")).orElseThrow())));
    }

    @Test
    void closeWaitsForTransactionsInFlightThenRefusesNewOnes() throws Exception {
        putAll("k");
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            CountDownLatch inside = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            Future<String> reader = pool.submit(() -> store.view(tx -> {
                inside.countDown();
                await(release);
                return s(tx.get(Key.of("k")).orElseThrow());
            }));
            await(inside);
            Future<?> closing = pool.submit(store::close);
            Thread.sleep(200);
            assertFalse(closing.isDone(), "close must wait for the open read transaction");
            ContainerjException refused = assertThrows(ContainerjException.class, () -> store.view(tx -> null));
            assertEquals(ErrorKind.UNAVAILABLE, refused.kind());
            release.countDown();
            assertEquals("k", reader.get(10, TimeUnit.SECONDS));
            closing.get(10, TimeUnit.SECONDS);
            assertEquals(ErrorKind.UNAVAILABLE,
                    assertThrows(ContainerjException.class, () -> store.update(tx -> null)).kind());
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void persistsAcrossReopenAndIsExclusive() {
        putAll("v1/ns/images/a", "v1/ns/labels");
        ContainerjException busy = assertThrows(ContainerjException.class,
                () -> LmdbMetadataStore.open(dir, LmdbMetadataStore.Options.defaults(), Migrations.ALL));
        assertEquals(ErrorKind.UNAVAILABLE, busy.kind());
        store.close();
        store = LmdbMetadataStore.open(dir, LmdbMetadataStore.Options.defaults(), Migrations.ALL);
        assertEquals(List.of("v1/ns/images/a", "v1/ns/labels"), scan(Key.ROOT));
        assertEquals(1, store.schemaVersion());
    }

    @Test
    void growsAFullMapAndRunsTheWorkAgain() {
        store.close();
        store = LmdbMetadataStore.open(dir, new LmdbMetadataStore.Options(1 << 20, 16 << 20, null), Migrations.ALL);
        byte[] value = new byte[64 * 1024];
        int[] runs = {0};
        store.update(tx -> {
            runs[0]++;
            for (int i = 0; i < 64; i++) { // 4 MiB: more than the first map
                tx.put(Key.of("blob", Integer.toString(i)), value);
            }
            return null;
        });
        assertTrue(runs[0] > 1, "the work ran again after the map grew");
        assertTrue(store.mapSize() >= 4 << 20, "map size " + store.mapSize());
        assertEquals(64, viewI(tx -> tx.scan(Key.of("blob")).size()));

        ContainerjException full = assertThrows(ContainerjException.class, () -> store.update(tx -> {
            for (int i = 0; i < 400; i++) { // 25 MiB: more than the maximum
                tx.put(Key.of("more", Integer.toString(i)), value);
            }
            return null;
        }));
        assertEquals(ErrorKind.RESOURCE_EXHAUSTED, full.kind());
        assertEquals(64, viewI(tx -> tx.scan(Key.ROOT).size()));
        // still usable afterwards
        putAll("after");
        assertTrue(viewB(tx -> tx.exists(Key.of("after"))));
    }

    @Test
    void entriesCarryDecodedKeysAndCopiedValues() {
        putAll("a/b/c");
        List<Entry> entries = store.view(tx -> tx.scan(Key.ROOT));
        assertEquals(Key.of("a", "b", "c"), entries.get(0).key());
        entries.get(0).value()[0] = 'X';
        assertEquals("a/b/c", store.view(tx -> s(tx.get(Key.of("a", "b", "c")).orElseThrow())));
    }

    private static void await(CountDownLatch latch) {
        try {
            if (!latch.await(10, TimeUnit.SECONDS)) {
                throw new IllegalStateException("timed out");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

}
