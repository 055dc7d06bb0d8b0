package org.containerj.api.gc;

import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

import org.containerj.api.metadata.ReadTransaction;
import org.containerj.api.metadata.WriteTransaction;

/**
 * Collects one or more types of resource for the garbage collector (a whiteboard
 * service). Marking and sweeping run inside one write transaction of the metadata
 * store, so nothing changes between them; {@link #removed} runs after it committed, to
 * remove what backs the removed records (files, snapshots).
 */
public interface ResourceCollector {
    /** The resource types this collector owns, e.g. {@code content}, {@code ingests}, {@code snapshots/overlayfs}. */
    Set<String> types();

    /** The resources of its types in {@code namespace} that are roots at {@code now}. */
    void roots(ReadTransaction tx, String namespace, Instant now, Consumer<ResourceRef> out);

    /** The resources that {@code node} (of one of its types) references. */
    void references(ReadTransaction tx, ResourceRef node, Consumer<ResourceRef> out);

    /** Removes the records of its types in {@code namespace} that are not in {@code reachable}; returns them. */
    List<ResourceRef> sweep(WriteTransaction tx, String namespace, Set<ResourceRef> reachable);

    /** After the sweep committed: removes what backed {@code removed} (only nodes of its types). */
    void removed(List<ResourceRef> removed);
}
