package org.containerj.api.content;

import java.nio.channels.SeekableByteChannel;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The content-addressed store (containerd's content.Store). Implementations are
 * plugins of type {@code io.containerd.content.v1}. Namespacing of content is done
 * above the store, by metadata; the store itself holds each blob once.
 */
public interface ContentStore {
    /** NOT_FOUND when the blob is absent. */
    ContentInfo info(Digest digest);

    /**
     * Replaces the fields named in {@code fieldPaths} ({@code labels}, {@code labels.KEY});
     * with no paths, all labels are replaced.
     */
    ContentInfo update(ContentInfo info, Set<String> fieldPaths);

    /** Calls {@code visitor} for each blob matching any of containerd's {@code filters}. */
    void walk(List<String> filters, Consumer<ContentInfo> visitor);

    /** NOT_FOUND when the blob is absent. */
    void delete(Digest digest);

    /** Opens a blob for reading at any offset. NOT_FOUND when absent. */
    SeekableByteChannel reader(Digest digest);

    /**
     * Opens (or resumes) the ingest named {@code ref}. UNAVAILABLE when another writer
     * holds the same ref; ALREADY_EXISTS when {@code expected} is already in the store.
     */
    ContentWriter writer(String ref, long total, Digest expected, Map<String, String> labels);

    /** NOT_FOUND when no ingest has this ref. */
    IngestStatus status(String ref);

    List<IngestStatus> listStatuses(List<String> filters);

    /** Drops an ingest and its data. NOT_FOUND when no ingest has this ref. */
    void abort(String ref);
}
