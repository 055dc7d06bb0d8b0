package org.containerj.registry.impl;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The registry client's threads, named {@code containerj-registry-*}: the HTTP clients'
 * executor, the range fetchers (shared by all blobs; each blob has at most its
 * range_concurrency in flight) and the stall watchdog. Closing stops them.
 */
final class RegistryThreads implements AutoCloseable {
    static final int RANGE_THREADS = 16;

    final ExecutorService http;
    final ExecutorService ranges;
    final ScheduledExecutorService watchdog;

    RegistryThreads() {
        http = Executors.newCachedThreadPool(named("containerj-registry-http"));
        ThreadPoolExecutor r = new ThreadPoolExecutor(RANGE_THREADS, RANGE_THREADS, 30, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(), named("containerj-registry-range"));
        r.allowCoreThreadTimeOut(true);
        ranges = r;
        ScheduledThreadPoolExecutor w = new ScheduledThreadPoolExecutor(1, named("containerj-registry-watchdog"));
        w.setRemoveOnCancelPolicy(true);
        watchdog = w;
    }

    private static ThreadFactory named(String name) {
        AtomicInteger n = new AtomicInteger();
        return task -> {
            Thread t = new Thread(task, name + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    @Override
    public void close() {
        ranges.shutdownNow();
        watchdog.shutdownNow();
        http.shutdownNow();
    }
}
