package org.containerj.gc.impl;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import org.containerj.api.gc.CollectionResult;
import org.containerj.api.gc.GarbageCollector;
import org.tinylog.Logger;

/**
 * Runs collections one at a time on its own thread: the first {@code startup_delay}
 * after start, then whenever asked. Requests that arrive before a run starts share it;
 * {@link #schedule()} waits {@code schedule_delay} first (so a burst of deletes makes one
 * run), {@link #collect()} starts one at once and waits for it.
 */
public final class GcScheduler implements GarbageCollector, AutoCloseable {
    private final Supplier<CollectionResult> collection;
    private final ScheduledExecutorService executor;
    private volatile Duration scheduleDelay;
    private CompletableFuture<CollectionResult> pending;
    private ScheduledFuture<?> planned;
    private long plannedAt;

    public GcScheduler(Supplier<CollectionResult> collection, Duration startupDelay, Duration scheduleDelay) {
        this.collection = collection;
        this.scheduleDelay = scheduleDelay;
        this.executor = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "containerj-gc");
            t.setDaemon(true);
            return t;
        });
        request(startupDelay);
    }

    public void setScheduleDelay(Duration delay) {
        this.scheduleDelay = delay;
    }

    @Override
    public void schedule() {
        request(scheduleDelay);
    }

    @Override
    public CollectionResult collect() {
        try {
            return request(Duration.ZERO).join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw e;
        }
    }

    private synchronized CompletableFuture<CollectionResult> request(Duration delay) {
        if (pending == null) {
            pending = new CompletableFuture<>();
        }
        long at = System.nanoTime() + delay.toNanos();
        if (planned == null || at - plannedAt < 0) {
            if (planned != null) {
                planned.cancel(false);
            }
            plannedAt = at;
            planned = executor.schedule(this::run, delay.toNanos(), TimeUnit.NANOSECONDS);
        }
        return pending;
    }

    private void run() {
        CompletableFuture<CollectionResult> run;
        synchronized (this) {
            run = pending;
            pending = null;
            planned = null;
        }
        if (run == null) {
            return;
        }
        try {
            run.complete(collection.get());
        } catch (RuntimeException e) {
            Logger.error(e, "garbage collection failed");
            run.completeExceptionally(e);
        }
    }

    @Override
    public void close() {
        executor.shutdownNow();
        synchronized (this) {
            if (pending != null) {
                pending.completeExceptionally(new IllegalStateException("garbage collector stopped"));
                pending = null;
            }
        }
    }

    /** Go durations as containerd's config has them: {@code 0}, {@code 100ms}, {@code 1.5s}, {@code 1m30s}, {@code 2h}. */
    static Duration parseDuration(Object value, Duration fallback) {
        if (value == null) {
            return fallback;
        }
        String s = String.valueOf(value).trim();
        if (s.isEmpty()) {
            return fallback;
        }
        if (s.equals("0")) {
            return Duration.ZERO;
        }
        var m = java.util.regex.Pattern.compile("(\\d+(?:\\.\\d+)?)(ns|us|µs|ms|s|m|h)").matcher(s);
        double nanos = 0;
        int end = 0;
        while (m.find()) {
            if (m.start() != end) {
                throw new IllegalArgumentException("not a duration: " + s);
            }
            end = m.end();
            double n = Double.parseDouble(m.group(1));
            nanos += n * switch (m.group(2)) {
                case "ns" -> 1;
                case "us", "µs" -> 1e3;
                case "ms" -> 1e6;
                case "s" -> 1e9;
                case "m" -> 60e9;
                default -> 3600e9;
            };
        }
        if (end != s.length() || end == 0) {
            throw new IllegalArgumentException("not a duration: " + s);
        }
        return Duration.ofNanos((long) nanos);
    }

    /** {@code key} as a Go duration (containerd 1.7), or {@code key_ms} in milliseconds (containerd 1.6). */
    static Duration durationOf(Map<String, Object> config, String key, Duration fallback) {
        try {
            Object ms = config.get(key + "_ms");
            if (ms != null && config.get(key) == null) {
                return Duration.ofMillis(Math.max(0, Long.parseLong(String.valueOf(ms).trim())));
            }
            return parseDuration(config.get(key), fallback);
        } catch (NumberFormatException e) {
            Logger.error("{}: {}_ms {}: not a number, using {}", GcSchedulerPlugin.PID, key, config.get(key + "_ms"),
                    fallback);
            return fallback;
        } catch (IllegalArgumentException e) {
            Logger.error("{}: {} {}: {}, using {}", GcSchedulerPlugin.PID, key, config.get(key), e.getMessage(),
                    fallback);
            return fallback;
        }
    }
}
