package org.containerj.api.gc;

import java.time.Duration;
import java.util.List;

/** What one collection removed, and how long it held the metadata store. */
public record CollectionResult(List<ResourceRef> removed, Duration duration) {
    public CollectionResult {
        removed = List.copyOf(removed);
    }
}
