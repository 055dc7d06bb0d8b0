package org.containerj.transfer.impl;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Watches transfers that must keep moving: a watched step that shows no progress for its
 * timeout is told to stop (its stream closed, its thread interrupted) and reads as
 * DEADLINE_EXCEEDED. The registry client has its own stall timeout; this one also covers
 * a client or a server that hangs without it noticing.
 */
public final class StallWatch implements AutoCloseable {
    private final ScheduledExecutorService timer;
    private final Set<Watch> watches = ConcurrentHashMap.newKeySet();

    public StallWatch() {
        timer = Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("transfer-stall-watch"));
        timer.scheduleWithFixedDelay(this::check, 250, 250, TimeUnit.MILLISECONDS);
    }

    /** One watched step. */
    public final class Watch implements AutoCloseable {
        private final long timeoutNanos;
        private final Runnable onStall;
        private volatile long last = System.nanoTime();
        private volatile boolean stalled;

        private Watch(Duration timeout, Runnable onStall) {
            this.timeoutNanos = timeout.toNanos();
            this.onStall = onStall;
        }

        /** Something moved. */
        public void touch() {
            last = System.nanoTime();
        }

        /** True once the step was stopped for lack of progress. */
        public boolean stalled() {
            return stalled;
        }

        private void check(long now) {
            if (!stalled && now - last > timeoutNanos) {
                stalled = true;
                watches.remove(this);
                try {
                    onStall.run();
                } catch (RuntimeException e) {
                    org.tinylog.Logger.tag("transfer").debug(e, "stopping a stalled transfer step");
                }
            }
        }

        @Override
        public void close() {
            watches.remove(this);
        }
    }

    /** Watches a step; {@code onStall} runs (on the watcher's thread) when it stalls. Null timeout: never. */
    public Watch watch(Duration timeout, Runnable onStall) {
        Watch w = new Watch(timeout == null ? Duration.ofDays(3650) : timeout, onStall);
        watches.add(w);
        return w;
    }

    private void check() {
        long now = System.nanoTime();
        for (Watch w : watches) {
            w.check(now);
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
