package org.containerj.api.diff;

import java.util.Map;

/**
 * Options of a compare: the media type of the layer to produce (empty for the
 * default), the ref of its ingest, and labels for the blob.
 */
public record DiffOptions(String mediaType, String ref, Map<String, String> labels) {
    public DiffOptions {
        mediaType = mediaType == null ? "" : mediaType;
        ref = ref == null ? "" : ref;
        labels = labels == null ? Map.of() : Map.copyOf(labels);
    }
}
