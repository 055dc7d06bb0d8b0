package org.containerj.transfer.impl;

import java.io.Closeable;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

import org.containerj.api.errdefs.ContainerjException;
import org.containerj.api.errdefs.ErrorKind;
import org.tinylog.Logger;

/**
 * The tasks of one transfer on the plugin's pool. The first failure (or the owner being
 * interrupted) cancels the job: running tasks are interrupted and registered streams
 * closed, so that blocked reads end, and tasks not started yet do not run.
 * {@link #awaitAll} returns only once every task has ended, and throws that first failure.
 */
final class Job {
    /** How long tasks of a failed job get to end before the owner stops waiting for them. */
    private static final long DRAIN_SECONDS = 60;

    private final Executor pool;
    private final String what;
    private final List<Task<?>> tasks = new ArrayList<>();
    private final Set<Closeable> open = ConcurrentHashMap.newKeySet();
    private final Semaphore downloads;
    private volatile ContainerjException failure;

    /** A submitted task: ends exactly once, with a result or an error. */
    static final class Task<T> {
        private final CountDownLatch ended = new CountDownLatch(1);
        private Thread runner;
        private volatile T result;
        private volatile Throwable error;

        private synchronized void interrupt() {
            if (runner != null) {
                runner.interrupt();
            }
        }
    }

    Job(Executor pool, String what, int concurrency) {
        this.pool = pool;
        this.what = what;
        this.downloads = new Semaphore(Math.max(1, concurrency));
    }

    String what() {
        return what;
    }

    /** Runs {@code body} on the pool; its failure fails the job. */
    <T> Task<T> submit(Callable<T> body) {
        checkNotFailed();
        Task<T> t = new Task<>();
        synchronized (tasks) {
            tasks.add(t);
        }
        pool.execute(() -> {
            synchronized (t) {
                t.runner = Thread.currentThread();
            }
            try {
                checkNotFailed();
                t.result = body.call();
            } catch (Throwable e) {
                t.error = e;
                fail(e);
            } finally {
                synchronized (t) {
                    t.runner = null;
                }
                Thread.interrupted(); // an interrupt meant for this task must not hit the pool's next one
                t.ended.countDown();
            }
        });
        return t;
    }

    Task<Void> submit(Runnable body) {
        return submit(() -> {
            body.run();
            return null;
        });
    }

    /** Runs {@code body} holding one of the job's download slots. */
    <T> T withDownloadSlot(Callable<T> body) throws Exception {
        downloads.acquire();
        try {
            checkNotFailed();
            return body.call();
        } finally {
            downloads.release();
        }
    }

    /** The result of a task of this job; its failure as a ContainerjException. */
    <T> T await(Task<T> t) {
        try {
            t.ended.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw Errors.canceled(what);
        }
        if (t.error != null) {
            throw Errors.of(t.error, ErrorKind.UNKNOWN, what);
        }
        return t.result;
    }

    /** Records the first failure and cancels the rest. */
    void fail(Throwable t) {
        ContainerjException e = Errors.of(t, ErrorKind.UNKNOWN, what);
        synchronized (this) {
            if (failure != null) {
                return;
            }
            failure = e;
        }
        List<Task<?>> all;
        synchronized (tasks) {
            all = List.copyOf(tasks);
        }
        for (Task<?> task : all) {
            if (task.ended.getCount() > 0) {
                task.interrupt();
            }
        }
        for (Closeable c : List.copyOf(open)) {
            closeQuietly(c);
        }
    }

    ContainerjException failure() {
        return failure;
    }

    void checkNotFailed() {
        ContainerjException f = failure;
        if (f != null) {
            throw new ContainerjException(ErrorKind.CANCELED, what + ": canceled after an earlier failure", f);
        }
        if (Thread.currentThread().isInterrupted()) {
            throw Errors.canceled(what);
        }
    }

    /** Closed when the job fails; unregister once done with it. */
    void register(Closeable c) {
        open.add(c);
        if (failure != null) {
            closeQuietly(c);
        }
    }

    void unregister(Closeable c) {
        open.remove(c);
    }

    /**
     * Waits for every task, including those submitted meanwhile; throws the job's first
     * failure. If the caller is interrupted, the job fails as CANCELED and its tasks drain.
     */
    void awaitAll() {
        int seen = 0;
        while (true) {
            Task<?> next;
            synchronized (tasks) {
                if (seen == tasks.size()) {
                    break;
                }
                next = tasks.get(seen);
            }
            try {
                next.ended.await();
            } catch (InterruptedException e) {
                fail(Errors.canceled(what));
                drain();
                Thread.currentThread().interrupt();
                throw failure;
            }
            seen++;
        }
        if (failure != null) {
            throw failure;
        }
    }

    /** After a failure: waits (bounded, whatever interrupts come) until every task has ended. */
    void drain() {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(DRAIN_SECONDS);
        boolean interrupted = Thread.interrupted();
        List<Task<?>> all;
        synchronized (tasks) {
            all = List.copyOf(tasks);
        }
        for (Task<?> task : all) {
            while (true) {
                long left = deadline - System.nanoTime();
                try {
                    if (left <= 0 || task.ended.await(left, TimeUnit.NANOSECONDS)) {
                        break;
                    }
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            if (task.ended.getCount() > 0) {
                Logger.tag("transfer").warn("{}: a task still runs {} s after the job failed", what, DRAIN_SECONDS);
                break;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private static void closeQuietly(Closeable c) {
        try {
            c.close();
        } catch (IOException | RuntimeException e) {
            Logger.tag("transfer").debug("closing {}: {}", c, e.toString());
        }
    }
}
