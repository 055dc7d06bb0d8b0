package org.containerj.registry.impl;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayDeque;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;

import org.containerj.api.errdefs.ContainerjException;
import org.containerj.api.errdefs.ErrorKind;

/**
 * A blob fetched as consecutive ranges in parallel and delivered in order.
 *
 * <p>Memory is bounded twice: at most {@code window} chunks of a blob exist at once (the
 * one being read and the ones in flight; the next range is asked for only when the
 * reader has finished a chunk), and every chunk beyond a blob's first takes its bytes
 * from a {@code budget} shared by all blobs, without waiting for it: when the budget is
 * spent a blob goes on with one chunk at a time, so no blob ever waits for another. The
 * first chunk comes from a response that is already open. A failed range fails the
 * stream when the reader gets to it, with the range's error; closing cancels the ranges
 * in flight and gives their bytes back.
 */
final class RangedBlobStream extends InputStream {

    /** Fetches exactly {@code length} bytes from {@code offset} of the blob. */
    interface RangeSource {
        byte[] fetch(long offset, int length);
    }

    /** A chunk on its way, and the budget bytes it holds (0 for the blob's free chunk). */
    private record Pending(Future<byte[]> data, int permits) {
    }

    private final String what;
    private final long start;
    private final long end;
    private final int chunkSize;
    private final int window;
    private final RangeSource source;
    private final ExecutorService executor;
    private final Semaphore budget;
    private final InputStream firstBody;
    private final ArrayDeque<Pending> inFlight = new ArrayDeque<>();
    private final long chunks;
    private long nextChunk;
    private byte[] current;
    private int currentPermits;
    private int pos;
    private boolean closed;

    /**
     * @param start     first byte offset of the blob to deliver
     * @param end       the blob's size (exclusive end)
     * @param firstBody the open body of the range {@code [start, start + chunkSize)} (or to the end)
     * @param budget    bytes that chunks beyond each blob's first may hold, shared; null for no bound
     */
    RangedBlobStream(String what, long start, long end, int chunkSize, int window, InputStream firstBody,
            RangeSource source, ExecutorService executor, Semaphore budget) {
        this.what = what;
        this.start = start;
        this.end = end;
        this.chunkSize = chunkSize;
        this.window = Math.max(1, window);
        this.source = source;
        this.executor = executor;
        this.budget = budget;
        this.firstBody = firstBody;
        this.chunks = (end - start + chunkSize - 1) / chunkSize;
        try {
            fill();
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    private int length(long chunk) {
        long from = start + chunk * chunkSize;
        return (int) Math.min(chunkSize, end - from);
    }

    /** Asks for more ranges while the window and the budget allow. */
    private void fill() {
        while (nextChunk < chunks && inFlight.size() + (current != null ? 1 : 0) < window) {
            int length = length(nextChunk);
            int permits = 0;
            if (!inFlight.isEmpty() || current != null) {
                // beyond the blob's one free chunk: only with budget, never waiting for it
                if (budget != null) {
                    if (!budget.tryAcquire(length)) {
                        return;
                    }
                    permits = length;
                }
            }
            schedule(length, permits);
        }
    }

    private void schedule(int length, int permits) {
        long chunk = nextChunk++;
        long offset = start + chunk * chunkSize;
        try {
            Future<byte[]> f = chunk == 0 ? executor.submit(() -> readFirst(length))
                    : executor.submit(() -> fetchWithRetry(offset, length));
            inFlight.add(new Pending(f, permits));
        } catch (RejectedExecutionException e) {
            release(permits);
            throw new ContainerjException(ErrorKind.UNAVAILABLE, what + ": the registry client is stopping");
        }
    }

    private void release(int permits) {
        if (permits > 0 && budget != null) {
            budget.release(permits);
        }
    }

    private byte[] readFirst(int length) throws IOException {
        try (InputStream in = firstBody) {
            byte[] data = in.readNBytes(length);
            if (data.length < length) {
                throw new ContainerjException(ErrorKind.DATA_LOSS, what + ": short read: range at " + start
                        + " has " + data.length + " of " + length + " bytes");
            }
            if (in.read() >= 0) {
                throw new ContainerjException(ErrorKind.DATA_LOSS, what + ": range at " + start + " is longer than "
                        + length + " bytes");
            }
            return data;
        }
    }

    /** One more try for a range whose connection failed: it costs little, and the whole blob would be lost. */
    private byte[] fetchWithRetry(long offset, int length) {
        try {
            return source.fetch(offset, length);
        } catch (ContainerjException e) {
            if (e.kind() != ErrorKind.UNAVAILABLE || Thread.currentThread().isInterrupted()) {
                throw e;
            }
            return source.fetch(offset, length);
        }
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (closed) {
            throw new IOException("stream closed");
        }
        if (len == 0) {
            return 0;
        }
        if (current == null || pos == current.length) {
            // the chunk read is released before the next range is asked for
            current = null;
            release(currentPermits);
            currentPermits = 0;
            fill();
            Pending next = inFlight.poll();
            if (next == null) {
                return -1;
            }
            currentPermits = next.permits();
            current = await(next.data());
            pos = 0;
        }
        int n = Math.min(len, current.length - pos);
        System.arraycopy(current, pos, b, off, n);
        pos += n;
        return n;
    }

    private byte[] await(Future<byte[]> f) {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            close();
            throw new ContainerjException(ErrorKind.CANCELED, what + ": interrupted");
        } catch (CancellationException e) {
            close();
            throw new ContainerjException(ErrorKind.CANCELED, what + ": cancelled");
        } catch (ExecutionException e) {
            close();
            Throwable cause = e.getCause();
            if (cause instanceof ContainerjException c) {
                throw c;
            }
            throw new ContainerjException(ErrorKind.UNAVAILABLE, what + ": " + cause, cause);
        }
    }

    @Override
    public int available() {
        return current == null ? 0 : current.length - pos;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        current = null;
        release(currentPermits);
        currentPermits = 0;
        for (Pending p : inFlight) {
            p.data().cancel(true);
            release(p.permits());
        }
        inFlight.clear();
        try {
            firstBody.close();
        } catch (IOException | RuntimeException e) {
            // cancelled anyway
        }
    }
}
