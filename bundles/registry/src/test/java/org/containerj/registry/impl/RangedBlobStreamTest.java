package org.containerj.registry.impl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.containerj.api.errdefs.ContainerjException;
import org.containerj.api.errdefs.ErrorKind;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Ranges fetched in parallel come out in order, within the memory window, and failures surface. */
class RangedBlobStreamTest {
    private final ExecutorService pool = Executors.newFixedThreadPool(8);
    /** Counts the chunk tasks handed to it: chunks that exist (asked for, maybe not yet started). */
    private final AtomicInteger submitted = new AtomicInteger();
    private final ExecutorService executor = new AbstractExecutorService() {
        @Override
        public void execute(Runnable command) {
            submitted.incrementAndGet();
            pool.execute(command);
        }

        @Override
        public void shutdown() {
            pool.shutdown();
        }

        @Override
        public List<Runnable> shutdownNow() {
            return pool.shutdownNow();
        }

        @Override
        public boolean isShutdown() {
            return pool.isShutdown();
        }

        @Override
        public boolean isTerminated() {
            return pool.isTerminated();
        }

        @Override
        public boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
            return pool.awaitTermination(timeout, unit);
        }
    };

    @AfterEach
    void stop() throws InterruptedException {
        executor.shutdownNow();
        assertTrue(executor.awaitTermination(10, TimeUnit.SECONDS));
    }

    private static byte[] blob(int size) {
        byte[] b = new byte[size];
        new Random(size).nextBytes(b);
        return b;
    }

    /** Serves ranges of {@code data}, later ranges faster than earlier ones, and records concurrency. */
    private static final class Source implements RangedBlobStream.RangeSource {
        final byte[] data;
        final AtomicInteger inFlight = new AtomicInteger();
        final AtomicInteger maxInFlight = new AtomicInteger();
        final List<Long> asked = new CopyOnWriteArrayList<>();
        volatile long failAt = -1;

        Source(byte[] data) {
            this.data = data;
        }

        @Override
        public byte[] fetch(long offset, int length) {
            asked.add(offset);
            int now = inFlight.incrementAndGet();
            maxInFlight.accumulateAndGet(now, Math::max);
            try {
                // out of order completion: the lower the offset, the longer it takes
                Thread.sleep(Math.max(0, 20 - offset / 1000));
                if (offset == failAt) {
                    throw new ContainerjException(ErrorKind.NOT_FOUND, "range " + offset + " failed");
                }
                return Arrays.copyOfRange(data, (int) offset, (int) offset + length);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ContainerjException(ErrorKind.CANCELED, "interrupted");
            } finally {
                inFlight.decrementAndGet();
            }
        }
    }

    private static byte[] drain(InputStream in, int bufferSize) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[bufferSize];
        int n;
        while ((n = in.read(buf)) >= 0) {
            out.write(buf, 0, n);
        }
        return out.toByteArray();
    }

    @Test
    void reassemblesInOrderWithinTheWindow() throws IOException {
        byte[] data = blob(100_003);
        int chunk = 4096;
        Source source = new Source(data);
        InputStream first = new ByteArrayInputStream(Arrays.copyOfRange(data, 0, chunk));
        int window = 3;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (RangedBlobStream s = new RangedBlobStream("blob x", 0, data.length, chunk, window, first, source,
                executor, null)) {
            byte[] buf = new byte[1000];
            int n;
            while ((n = s.read(buf)) >= 0) {
                out.write(buf, 0, n);
                // chunks alive: every chunk task handed out less those read to the end
                long alive = submitted.get() - out.size() / chunk;
                assertTrue(alive <= window, "at most " + window + " chunks in memory, " + alive + " at " + out.size());
            }
        }
        assertArrayEquals(data, out.toByteArray());
        assertTrue(source.maxInFlight.get() <= window, "in flight: " + source.maxInFlight.get());
        assertEquals((data.length + chunk - 1) / chunk - 1, source.asked.size(), "each range asked for once");
    }

    @Test
    void blobsShareTheBudgetAndEachGoesOnWithOneChunkWhenItIsSpent() throws IOException {
        byte[] a = blob(90_000);
        byte[] b = blob(70_000);
        int chunk = 10_000;
        // room for two chunks ahead, for both blobs together
        Semaphore budget = new Semaphore(2 * chunk);
        Source sa = new Source(a);
        Source sb = new Source(b);
        try (RangedBlobStream x = new RangedBlobStream("blob a", 0, a.length, chunk, 4,
                new ByteArrayInputStream(Arrays.copyOfRange(a, 0, chunk)), sa, executor, budget);
             RangedBlobStream y = new RangedBlobStream("blob b", 0, b.length, chunk, 4,
                new ByteArrayInputStream(Arrays.copyOfRange(b, 0, chunk)), sb, executor, budget)) {
            assertEquals(0, budget.availablePermits(), "the first blob took the budget");
            assertEquals(3 + 1, submitted.get(), "a: its free first chunk and two with budget; b: its free one");
            ByteArrayOutputStream outA = new ByteArrayOutputStream();
            ByteArrayOutputStream outB = new ByteArrayOutputStream();
            byte[] buf = new byte[3000];
            boolean doneA = false;
            boolean doneB = false;
            // read both in turns: neither waits for the other's budget
            while (!doneA || !doneB) {
                if (!doneA) {
                    int n = x.read(buf);
                    doneA = n < 0;
                    if (n > 0) {
                        outA.write(buf, 0, n);
                    }
                }
                if (!doneB) {
                    int n = y.read(buf);
                    doneB = n < 0;
                    if (n > 0) {
                        outB.write(buf, 0, n);
                    }
                }
                assertTrue(budget.availablePermits() >= 0);
            }
            assertArrayEquals(a, outA.toByteArray());
            assertArrayEquals(b, outB.toByteArray());
        }
        assertEquals(2 * chunk, budget.availablePermits(), "all of the budget given back");
    }

    @Test
    void closingGivesTheBudgetBack() {
        byte[] a = blob(90_000);
        Semaphore budget = new Semaphore(30_000);
        RangedBlobStream x = new RangedBlobStream("blob a", 0, a.length, 10_000, 4,
                new ByteArrayInputStream(Arrays.copyOfRange(a, 0, 10_000)), new Source(a), executor, budget);
        assertEquals(0, budget.availablePermits());
        x.close();
        assertEquals(30_000, budget.availablePermits());
    }

    @Test
    void startsAtAnOffset() throws IOException {
        byte[] data = blob(50_000);
        int start = 12_345;
        int chunk = 5000;
        Source source = new Source(data);
        InputStream first = new ByteArrayInputStream(Arrays.copyOfRange(data, start, start + chunk));
        try (RangedBlobStream s = new RangedBlobStream("blob x", start, data.length, chunk, 4, first, source,
                executor, null)) {
            assertArrayEquals(Arrays.copyOfRange(data, start, data.length), drain(s, 777));
        }
        assertEquals(start + chunk, source.asked.stream().mapToLong(Long::longValue).min().orElseThrow());
    }

    @Test
    void aFailedRangeFailsTheReaderWhenItGetsThere() throws IOException {
        byte[] data = blob(40_000);
        int chunk = 4000;
        Source source = new Source(data);
        source.failAt = 5 * chunk;
        InputStream first = new ByteArrayInputStream(Arrays.copyOfRange(data, 0, chunk));
        try (RangedBlobStream s = new RangedBlobStream("blob x", 0, data.length, chunk, 2, first, source, executor,
                null)) {
            byte[] got = s.readNBytes(5 * chunk);
            assertArrayEquals(Arrays.copyOfRange(data, 0, 5 * chunk), got, "everything before the failed range");
            ContainerjException e = assertThrows(ContainerjException.class, () -> s.read());
            assertEquals(ErrorKind.NOT_FOUND, e.kind());
        }
    }

    @Test
    void aShortFirstRangeIsDataLoss() {
        byte[] data = blob(20_000);
        InputStream first = new ByteArrayInputStream(Arrays.copyOfRange(data, 0, 100));
        RangedBlobStream s = new RangedBlobStream("blob x", 0, data.length, 4096, 2, first, new Source(data),
                executor, null);
        ContainerjException e = assertThrows(ContainerjException.class, () -> drain(s, 4096));
        assertEquals(ErrorKind.DATA_LOSS, e.kind());
        assertTrue(e.getMessage().contains("blob x"), e::getMessage);
        s.close();
    }

    @Test
    void closingCancelsRangesInFlight() throws Exception {
        byte[] data = blob(64_000);
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch interrupted = new CountDownLatch(1);
        RangedBlobStream.RangeSource hanging = (offset, length) -> {
            started.countDown();
            try {
                Thread.sleep(60_000);
            } catch (InterruptedException e) {
                interrupted.countDown();
                throw new ContainerjException(ErrorKind.CANCELED, "cancelled");
            }
            throw new AssertionError("not cancelled");
        };
        InputStream first = new ByteArrayInputStream(Arrays.copyOfRange(data, 0, 8000));
        RangedBlobStream s = new RangedBlobStream("blob x", 0, data.length, 8000, 3, first, hanging, executor, null);
        assertEquals(8000, s.readNBytes(8000).length);
        assertTrue(started.await(10, TimeUnit.SECONDS));
        s.close();
        assertTrue(interrupted.await(10, TimeUnit.SECONDS), "the range in flight was interrupted");
        assertThrows(IOException.class, () -> s.read());
    }
}
