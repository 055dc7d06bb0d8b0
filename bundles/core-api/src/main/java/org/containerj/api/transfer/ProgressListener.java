package org.containerj.api.transfer;

/**
 * Receives the progress of a transfer. Called from the transfer's worker threads, one
 * event at a time; it must not block for long, and what it throws is ignored.
 */
@FunctionalInterface
public interface ProgressListener {
    /** Ignores every event. */
    ProgressListener NONE = event -> {
    };

    void progress(Progress event);
}
