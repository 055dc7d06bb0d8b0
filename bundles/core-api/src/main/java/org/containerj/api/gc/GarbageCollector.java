package org.containerj.api.gc;

/**
 * The garbage collector (plugin {@code io.containerd.gc.v1} {@code scheduler}).
 */
public interface GarbageCollector {
    /** Asks for a collection soon (after the scheduler's delay); returns at once. */
    void schedule();

    /** Runs a collection that starts after this call and returns what it removed. */
    CollectionResult collect();
}
