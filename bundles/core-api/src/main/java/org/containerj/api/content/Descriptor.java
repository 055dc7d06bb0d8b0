package org.containerj.api.content;

import java.util.List;
import java.util.Map;

/** An OCI content descriptor: what a blob is, how large, and its digest. */
public record Descriptor(String mediaType, Digest digest, long size, Map<String, String> annotations,
        List<String> urls) {
    public Descriptor {
        annotations = annotations == null ? Map.of() : Map.copyOf(annotations);
        urls = urls == null ? List.of() : List.copyOf(urls);
    }

    public Descriptor(String mediaType, Digest digest, long size) {
        this(mediaType, digest, size, Map.of(), List.of());
    }
}
