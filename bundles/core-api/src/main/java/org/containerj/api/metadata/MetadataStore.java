package org.containerj.api.metadata;

/**
 * The metadata database, registered as the plugin {@code io.containerd.metadata.v1.bolt}.
 * An ordered, ACID key-value store: many readers at once, one writer at a time, each
 * committed update durable on disk before {@link #update} returns.
 *
 * <p>Errors are {@link org.containerj.api.errdefs.ContainerjException}s: what the work
 * throws passes through unchanged; INVALID_ARGUMENT for a key the store cannot hold;
 * UNAVAILABLE once the store is closing; FAILED_PRECONDITION for an update started
 * inside another update on the same thread (a nested write would deadlock);
 * RESOURCE_EXHAUSTED when the database reached its configured maximum size.
 */
public interface MetadataStore {

    /** Runs {@code work} in a read-only transaction and returns its result. */
    <T> T view(ReadWork<T> work);

    /**
     * Runs {@code work} in a read-write transaction and commits it when the work returns;
     * when it throws, the transaction is rolled back and the exception rethrown.
     */
    <T> T update(WriteWork<T> work);

    /** The largest stored form of a key ({@link Key#encode()}) in bytes; 511 with LMDB. */
    int maxKeySize();

    /** The schema version of the stored data (see the store's migrations). */
    int schemaVersion();
}
