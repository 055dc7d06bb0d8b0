package org.containerj.api.metadata;

/**
 * A read-write transaction. It sees its own writes; others see none of them until the
 * work returns and the transaction commits. When the work throws, nothing it wrote is
 * kept. Only one write transaction runs at a time.
 */
public interface WriteTransaction extends ReadTransaction {

    /**
     * Stores {@code value} at {@code key}, replacing any value there. INVALID_ARGUMENT
     * when the key is ROOT or its stored form exceeds {@link MetadataStore#maxKeySize()}.
     */
    void put(Key key, byte[] value);

    /** Stores {@code value} only when nothing is stored at {@code key}; true when it stored it. */
    boolean putIfAbsent(Key key, byte[] value);

    /** Removes the value at {@code key}; true when there was one. */
    boolean delete(Key key);

    /** Removes every key that starts with {@code prefix} (the prefix itself included); returns how many. */
    int deleteAll(Key prefix);
}
