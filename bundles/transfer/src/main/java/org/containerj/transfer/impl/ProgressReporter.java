package org.containerj.transfer.impl;

import java.util.List;

import org.containerj.api.content.Descriptor;
import org.containerj.api.transfer.Progress;
import org.containerj.api.transfer.ProgressListener;
import org.tinylog.Logger;

/**
 * Sends a transfer's progress to its listener, one event at a time, with the events
 * containerd's transfer service sends: {@code waiting} when a blob is found in the
 * image, {@code downloading} or {@code uploading} as bytes move (at most every
 * {@value #INTERVAL_MILLIS} ms per blob), {@code complete}, {@code already exists}.
 * A listener that throws is ignored.
 */
final class ProgressReporter {
    static final long INTERVAL_MILLIS = 200;

    private final ProgressListener listener;

    ProgressReporter(ProgressListener listener) {
        this.listener = listener == null ? ProgressListener.NONE : listener;
    }

    synchronized void emit(Progress p) {
        try {
            listener.progress(p);
        } catch (RuntimeException e) {
            Logger.tag("transfer").debug("progress listener failed: {}", e.toString());
        }
    }

    void event(String event, String name) {
        emit(Progress.of(event, name));
    }

    /** An event about a blob, outside its fetch ({@code extracting}, {@code extracted}). */
    void about(String event, Descriptor d) {
        emit(new Progress(event, MediaTypes.refKey(d), List.of(), d.size(), d.size(), d));
    }

    /** The progress of one blob, from {@code waiting} on. */
    Blob blob(Descriptor d, List<String> parents, String movingEvent) {
        return new Blob(d, parents, movingEvent);
    }

    final class Blob {
        private final Descriptor d;
        private final String name;
        private final List<String> parents;
        private final String movingEvent;
        private long lastSent;

        private Blob(Descriptor d, List<String> parents, String movingEvent) {
            this.d = d;
            this.name = MediaTypes.refKey(d);
            this.parents = List.copyOf(parents);
            this.movingEvent = movingEvent;
            emit(new Progress("waiting", name, this.parents, 0, d.size(), d));
        }

        String name() {
            return name;
        }

        /** Bytes moved so far; sent when enough time passed since the last event. */
        void moved(long offset) {
            long now = System.nanoTime();
            if (lastSent == 0 || now - lastSent >= INTERVAL_MILLIS * 1_000_000) {
                lastSent = now;
                emit(new Progress(movingEvent, name, parents, offset, d.size(), d));
            }
        }

        void complete() {
            emit(new Progress("complete", name, parents, d.size(), d.size(), d));
        }

        void exists() {
            emit(new Progress("already exists", name, List.of(), d.size(), d.size(), d));
        }
    }
}
