package org.containerj.registry.impl;

import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import org.containerj.api.errdefs.ContainerjException;
import org.containerj.api.errdefs.ErrorKind;

/**
 * A response body that fails with DEADLINE_EXCEEDED naming what it carries when a read
 * waits longer than the stall timeout for a byte. A watchdog task closes the body under
 * the blocked reader (which wakes it); time the consumer spends not reading does not
 * count. Other read failures become UNAVAILABLE. Errors are ContainerjExceptions, thrown
 * from {@code read} as they are (unchecked).
 */
final class StallGuardedStream extends InputStream {
    private final InputStream in;
    private final long stallNanos;
    private final String what;
    private final ScheduledFuture<?> check;
    private volatile long readingSince;
    private volatile boolean stalled;
    private volatile boolean closed;

    StallGuardedStream(InputStream in, Duration stall, String what, ScheduledExecutorService watchdog) {
        this.in = in;
        this.stallNanos = stall.toNanos();
        this.what = what;
        long period = Math.max(10, Math.min(1000, stall.toMillis() / 4));
        this.check = watchdog.scheduleWithFixedDelay(this::check, period, period, TimeUnit.MILLISECONDS);
    }

    private void check() {
        long since = readingSince;
        if (since != 0 && System.nanoTime() - since > stallNanos && !stalled) {
            stalled = true;
            check.cancel(false);
            try {
                in.close();
            } catch (IOException | RuntimeException e) {
                // the reader fails anyway: stalled is set
            }
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
        if (len == 0) {
            return 0;
        }
        if (closed) {
            throw new IOException("stream closed");
        }
        readingSince = System.nanoTime();
        int n;
        try {
            n = in.read(b, off, len);
        } catch (IOException | RuntimeException e) {
            throw failure(e);
        } finally {
            readingSince = 0;
        }
        if (stalled) {
            throw stallError();
        }
        return n;
    }

    private RuntimeException failure(Exception e) {
        if (stalled) {
            return stallError();
        }
        if (e instanceof ContainerjException c) {
            return c;
        }
        if (closed) {
            return new ContainerjException(ErrorKind.CANCELED, what + ": read after close", e);
        }
        return new ContainerjException(ErrorKind.UNAVAILABLE, what + ": reading the response failed: " + e, e);
    }

    private ContainerjException stallError() {
        return new ContainerjException(ErrorKind.DEADLINE_EXCEEDED,
                what + ": no data received for " + GoDuration.format(Duration.ofNanos(stallNanos)) + " (stalled)");
    }

    boolean stalled() {
        return stalled;
    }

    @Override
    public void close() throws IOException {
        closed = true;
        check.cancel(false);
        in.close();
    }
}
