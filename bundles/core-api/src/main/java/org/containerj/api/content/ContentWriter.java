package org.containerj.api.content;

import java.nio.ByteBuffer;
import java.util.Map;

/**
 * An open ingest. Bytes are appended at the current offset; {@link #commit} verifies
 * size and digest and only then makes the blob visible. Closing without commit keeps
 * the ingest so that it can be resumed by ref.
 */
public interface ContentWriter extends AutoCloseable {
    /** Appends {@code data} at the current offset. */
    void write(ByteBuffer data);

    /** Current progress. */
    IngestStatus status();

    /** The digest of what has been written so far. */
    Digest digest();

    /** Drops everything after {@code offset} (0 restarts the ingest). */
    void truncate(long offset);

    /**
     * Verifies and publishes the blob. {@code size} 0 and a null {@code expected} skip
     * those checks. A mismatch is FAILED_PRECONDITION and leaves nothing visible; a blob
     * that exists already is ALREADY_EXISTS.
     */
    void commit(long size, Digest expected, Map<String, String> labels);

    @Override
    void close();
}
