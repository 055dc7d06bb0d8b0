package org.containerj.api.metadata;

/** Work done in a read transaction; its result is returned by {@link MetadataStore#view}. */
@FunctionalInterface
public interface ReadWork<T> {

    T run(ReadTransaction tx);
}
