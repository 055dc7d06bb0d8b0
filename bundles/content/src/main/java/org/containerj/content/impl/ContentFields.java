package org.containerj.content.impl;

import java.util.List;
import java.util.Optional;

import org.containerj.api.content.ContentInfo;
import org.containerj.api.content.IngestStatus;
import org.containerj.filters.FieldSource;

/**
 * The fields containerd's filters see on content: {@code digest} and {@code labels.KEY}
 * on a blob ({@code size} is accepted but never matches, as in containerd), {@code ref}
 * on an ingest.
 */
final class ContentFields {
    private ContentFields() {
    }

    static FieldSource of(ContentInfo info) {
        return path -> switch (path.get(0)) {
            case "digest" -> path.size() == 1 ? Optional.of(info.digest().toString()) : Optional.empty();
            case "labels" -> label(info, path);
            default -> Optional.empty();
        };
    }

    static FieldSource of(IngestStatus status) {
        return path -> path.size() == 1 && path.get(0).equals("ref") ? Optional.of(status.ref()) : Optional.empty();
    }

    private static Optional<String> label(ContentInfo info, List<String> path) {
        if (path.size() < 2) {
            return Optional.empty();
        }
        return Optional.ofNullable(info.labels().get(String.join(".", path.subList(1, path.size()))));
    }
}
