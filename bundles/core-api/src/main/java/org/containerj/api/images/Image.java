package org.containerj.api.images;

import java.time.Instant;
import java.util.Map;

import org.containerj.api.content.Descriptor;

/**
 * An image as containerd keeps it: a name, labels and the descriptor of its root blob
 * (an index or manifest). Times are set by the store; null in an image to create.
 */
public record Image(String name, Map<String, String> labels, Descriptor target, Instant createdAt,
        Instant updatedAt) {
    public Image {
        labels = labels == null ? Map.of() : Map.copyOf(labels);
    }

    public Image(String name, Map<String, String> labels, Descriptor target) {
        this(name, labels, target, null, null);
    }
}
