package org.containerj.transfer.impl;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One lock per key, made on demand and dropped when nobody holds or waits for it: two
 * transfers fetching the same blob or unpacking the same chain id take turns, and the
 * second finds the work done.
 */
public final class KeyedLocks {
    private final Map<String, Entry> locks = new HashMap<>();

    private static final class Entry {
        final ReentrantLock lock = new ReentrantLock();
        int users;
    }

    /** A held lock, released by closing it. */
    public interface Held extends AutoCloseable {
        @Override
        void close();
    }

    /** Waits for the lock of {@code key}; interruptible. */
    public Held lock(String key) throws InterruptedException {
        Entry e;
        synchronized (locks) {
            e = locks.computeIfAbsent(key, k -> new Entry());
            e.users++;
        }
        try {
            e.lock.lockInterruptibly();
        } catch (InterruptedException interrupted) {
            release(key, e, false);
            throw interrupted;
        }
        return () -> release(key, e, true);
    }

    private void release(String key, Entry e, boolean locked) {
        if (locked) {
            e.lock.unlock();
        }
        synchronized (locks) {
            if (--e.users == 0) {
                locks.remove(key);
            }
        }
    }

    /** For tests: keys with holders or waiters. */
    int size() {
        synchronized (locks) {
            return locks.size();
        }
    }
}
