package org.containerj.api.metadata;

/**
 * Work done in a write transaction. Throwing aborts the transaction and nothing it wrote
 * is kept. The store may run the work more than once (after growing a full map), so it
 * must not act outside the transaction except through its result.
 */
@FunctionalInterface
public interface WriteWork<T> {

    T run(WriteTransaction tx);
}
