package org.containerj.api.content;

import java.time.Instant;
import java.util.Map;

/** What the store knows of a committed blob. */
public record ContentInfo(Digest digest, long size, Instant createdAt, Instant updatedAt, Map<String, String> labels) {
    public ContentInfo {
        labels = Map.copyOf(labels);
    }
}
