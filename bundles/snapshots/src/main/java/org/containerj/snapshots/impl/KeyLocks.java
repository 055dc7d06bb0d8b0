package org.containerj.snapshots.impl;

import java.util.TreeSet;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Serialises operations on the same snapshot keys while letting operations on other
 * keys run: a fixed set of locks, each key hashed to one; several keys are locked in
 * index order, so two operations never wait for each other in a cycle.
 */
final class KeyLocks {
    private final ReentrantLock[] stripes;

    KeyLocks(int count) {
        stripes = new ReentrantLock[count];
        for (int i = 0; i < count; i++) {
            stripes[i] = new ReentrantLock();
        }
    }

    /** Locks the stripes of {@code keys} (null and empty keys are ignored) until the result is closed. */
    Held lock(String... keys) {
        TreeSet<Integer> indexes = new TreeSet<>();
        for (String k : keys) {
            if (k != null && !k.isEmpty()) {
                indexes.add(Math.floorMod(k.hashCode(), stripes.length));
            }
        }
        int[] locked = indexes.stream().mapToInt(Integer::intValue).toArray();
        int n = 0;
        try {
            for (int index : locked) {
                stripes[index].lock();
                n++;
            }
        } catch (RuntimeException | Error e) {
            for (int i = n - 1; i >= 0; i--) {
                stripes[locked[i]].unlock();
            }
            throw e;
        }
        return () -> {
            for (int i = locked.length - 1; i >= 0; i--) {
                stripes[locked[i]].unlock();
            }
        };
    }

    interface Held extends AutoCloseable {
        @Override
        void close();
    }
}
