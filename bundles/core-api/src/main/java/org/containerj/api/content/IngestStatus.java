package org.containerj.api.content;

import java.time.Instant;

/** Progress of an ingest (a write by ref that has not been committed yet). */
public record IngestStatus(String ref, long offset, long total, Digest expected, Instant startedAt, Instant updatedAt) {
}
