package org.containerj.api.content;

import java.util.Collection;
import java.util.Set;

/**
 * The content store as clients see it (containerd's metadata content store, the plugin
 * {@code io.containerd.service.v1} {@code content-service}). Blobs are kept once in the
 * underlying {@link ContentStore} plugin and shared by every namespace; a namespace sees
 * a blob only once it was committed in that namespace (or written there while it already
 * existed underneath). Deleting from a namespace removes the namespace's record only.
 *
 * <p>The views returned here implement every {@link ContentStore} operation for one
 * namespace, with containerd's errors: NOT_FOUND for a blob or ingest the namespace
 * does not have, even when another namespace does.
 */
public interface NamespacedContentStore {

    /** The content of {@code namespace}; what is written through it is held by no lease. */
    default ContentStore forNamespace(String namespace) {
        return forNamespace(namespace, null);
    }

    /**
     * The content of {@code namespace}. Ingests opened and blobs committed through the
     * view are added to {@code lease} (null or empty for none), as containerd does for the
     * lease of the calling context; opening a writer or committing fails with NOT_FOUND
     * when that lease does not exist. INVALID_ARGUMENT for a malformed namespace.
     */
    ContentStore forNamespace(String namespace, String lease);

    /**
     * For the garbage collector, after it removed namespace records: removes from the
     * store underneath each of {@code digests} that no namespace has a record of and no
     * ingest stands for, excluding the steps that make a blob reachable meanwhile.
     * Returns the digests removed. The default removes nothing.
     */
    default Set<Digest> removeUnreferenced(Collection<Digest> digests) {
        return Set.of();
    }
}
