package org.containerj.itests.support;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.function.Supplier;

/**
 * Bounded polling: the only way these tests wait for something to happen. Never a bare
 * sleep as synchronisation; a condition is polled until it holds or a deadline passes, and
 * then the test fails saying what it waited for and what it saw last.
 *
 * <p>Free of JUnit classes, so that it also runs inside the pax-exam framework.
 */
public final class Wait {
    private static final long POLL_MS = 100;

    private Wait() {
    }

    /**
     * Polls {@code condition} until it returns true.
     *
     * @param what what is awaited, for the failure message
     * @throws AssertionError when the deadline passes first
     */
    public static void until(Duration timeout, Callable<Boolean> condition, String what) {
        until(timeout, condition, () -> what);
    }

    /**
     * Polls {@code condition} until it returns true.
     *
     * @param what what is awaited, computed only on failure (it may describe the last state seen)
     * @throws AssertionError when the deadline passes first
     */
    public static void until(Duration timeout, Callable<Boolean> condition, Supplier<String> what) {
        forValue(timeout, () -> Boolean.TRUE.equals(condition.call()) ? Boolean.TRUE : null, what);
    }

    /**
     * Polls {@code supplier} until it returns a non-null value, and returns that value.
     * An exception from the supplier counts as "not yet" and is reported if the wait fails.
     */
    public static <T> T forValue(Duration timeout, Callable<T> supplier, Supplier<String> what) {
        long deadline = System.nanoTime() + timeout.toNanos();
        Throwable last = null;
        while (true) {
            try {
                T value = supplier.call();
                if (value != null) {
                    return value;
                }
                last = null;
            } catch (AssertionError | Exception e) {
                last = e;
            }
            if (System.nanoTime() - deadline > 0) {
                AssertionError failure = new AssertionError("timed out after " + timeout.toMillis() + " ms waiting for "
                        + what.get() + (last == null ? "" : " (last error: " + last + ")"));
                if (last != null) {
                    failure.initCause(last);
                }
                throw failure;
            }
            try {
                Thread.sleep(POLL_MS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted while waiting for " + what.get(), e);
            }
        }
    }
}
