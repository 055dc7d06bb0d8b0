package org.containerj.api.diff;

import java.time.Instant;
import java.util.Map;

/**
 * Options of a compare: the media type of the layer to produce (empty for the
 * default), the ref of its ingest (empty for a generated one), labels for the blob, and
 * the time that clamps every timestamp in the layer for reproducible builds (null for none).
 */
public record DiffOptions(String mediaType, String ref, Map<String, String> labels, Instant sourceDateEpoch) {
    public DiffOptions {
        mediaType = mediaType == null ? "" : mediaType;
        ref = ref == null ? "" : ref;
        labels = labels == null ? Map.of() : Map.copyOf(labels);
    }

    public DiffOptions(String mediaType, String ref, Map<String, String> labels) {
        this(mediaType, ref, labels, null);
    }
}
