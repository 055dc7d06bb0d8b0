package org.containerj.api.metadata;

import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * A consistent snapshot of the store: what it reads does not change while the transaction
 * lasts, whatever other threads commit meanwhile. Valid only inside the work it was
 * given to; one transaction must not be used by several threads at once.
 */
public interface ReadTransaction {

    /** The value stored at {@code key} (a copy), or empty. */
    Optional<byte[]> get(Key key);

    /** True when a value is stored at {@code key}. */
    boolean exists(Key key);

    /**
     * True when any key starts with {@code prefix}: the prefix itself or a key below it.
     * With {@code Key.of("v1", ns)} this tells whether the namespace holds anything.
     */
    boolean existsUnder(Key prefix);

    /** Every entry whose key starts with {@code prefix} (the prefix itself included), in key order. */
    List<Entry> scan(Key prefix);

    /**
     * Visits the entries whose key starts with {@code prefix}, in key order, until
     * {@code visitor} returns false. Nothing is collected, so this suits large buckets.
     */
    void forEach(Key prefix, Predicate<Entry> visitor);

    /**
     * The distinct segments that directly follow {@code parent} in stored keys, in key
     * order: the "sub-buckets" of {@code parent}. {@code children(Key.of("v1"))} lists
     * the namespaces. Skips over each child's keys instead of reading them.
     */
    List<String> children(Key parent);
}
