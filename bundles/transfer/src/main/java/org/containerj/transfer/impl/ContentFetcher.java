package org.containerj.transfer.impl;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.containerj.api.content.ContentStore;
import org.containerj.api.content.ContentWriter;
import org.containerj.api.content.Descriptor;
import org.containerj.api.errdefs.ContainerjException;
import org.containerj.api.errdefs.ErrorKind;
import org.tinylog.Logger;

/**
 * Brings one blob into the content store of a transfer: skipped when present; otherwise
 * written through the ingest named by containerd's ref key, so that an ingest left by an
 * interrupted fetch (a daemon killed mid-pull) is resumed at its offset. The size is
 * checked as bytes come, the digest on commit; a blob that is not what its descriptor
 * says is aborted (no ingest left) and fails with FAILED_PRECONDITION, a short or long
 * body with DATA_LOSS, a stall with DEADLINE_EXCEEDED.
 */
final class ContentFetcher {
    /** How long to wait for an ingest another writer holds (containerd retries while it is locked). */
    static final Duration LOCKED_INGEST_WAIT = Duration.ofMinutes(2);
    private static final int BUFFER = 128 * 1024;

    private final ContentStore content;
    private final BlobSource source;
    private final KeyedLocks locks;
    private final String lockScope;
    private final Job job;
    private final StallWatch stalls;
    private final Duration stallTimeout;

    ContentFetcher(ContentStore content, BlobSource source, KeyedLocks locks, String lockScope, Job job,
            StallWatch stalls, Duration stallTimeout) {
        this.content = content;
        this.source = source;
        this.locks = locks;
        this.lockScope = lockScope;
        this.job = job;
        this.stalls = stalls;
        this.stallTimeout = stallTimeout;
    }

    /** Makes {@code d} present; returns false when it already was. */
    boolean fetch(Descriptor d, ProgressReporter.Blob progress) throws Exception {
        if (present(d)) {
            progress.exists();
            return false;
        }
        return job.withDownloadSlot(() -> {
            try (KeyedLocks.Held held = locks.lock(lockScope + "/blob/" + d.digest())) {
                boolean fetched = fetchLocked(d, progress, true);
                if (fetched) {
                    progress.complete();
                } else {
                    progress.exists();
                }
                return fetched;
            }
        });
    }

    private boolean present(Descriptor d) {
        try {
            content.info(d.digest());
            return true;
        } catch (ContainerjException e) {
            if (e.kind() == ErrorKind.NOT_FOUND) {
                return false;
            }
            throw e;
        }
    }

    private boolean fetchLocked(Descriptor d, ProgressReporter.Blob progress, boolean mayRetry) throws Exception {
        String ref = MediaTypes.refKey(d);
        ContentWriter writer = openWriter(ref, d);
        if (writer == null) {
            return false;
        }
        long resumedAt = 0;
        try {
            long offset = writer.status().offset();
            if (offset > d.size() && d.size() > 0) {
                writer.truncate(0);
                offset = 0;
            }
            resumedAt = offset;
            if (offset > 0 && offset < d.size()) {
                Logger.tag("transfer").info("resuming ingest {} at {} of {} bytes", ref, offset, d.size());
            }
            if (offset < d.size() || d.size() == 0 && offset == 0) {
                copy(d, writer, offset, progress);
            }
            writer.commit(d.size(), d.digest(), Map.of());
            return true;
        } catch (ContainerjException e) {
            if (e.kind() == ErrorKind.ALREADY_EXISTS) {
                return true;
            }
            if (e.kind() == ErrorKind.FAILED_PRECONDITION) {
                writer.close();
                abortQuietly(ref);
                if (resumedAt > 0 && mayRetry) {
                    Logger.tag("transfer").warn("{}: resumed ingest did not verify ({}); fetching it again", ref,
                            e.getMessage());
                    return fetchLocked(d, progress, false);
                }
                throw ContainerjException.failedPrecondition("failed commit on ref \"%s\": %s", ref, e.getMessage());
            }
            throw e;
        } finally {
            writer.close();
        }
    }

    /** The ingest's writer; null when the blob turned out to be there. Waits while another writer holds the ref. */
    private ContentWriter openWriter(String ref, Descriptor d) throws InterruptedException {
        long deadline = System.nanoTime() + LOCKED_INGEST_WAIT.toNanos();
        long backoff = 50;
        while (true) {
            job.checkNotFailed();
            try {
                return content.writer(ref, d.size(), d.digest(), Map.of());
            } catch (ContainerjException e) {
                if (e.kind() == ErrorKind.ALREADY_EXISTS) {
                    return null;
                }
                if (e.kind() != ErrorKind.UNAVAILABLE || System.nanoTime() - deadline > 0) {
                    throw e;
                }
                Logger.tag("transfer").debug("ingest {} is locked; waiting: {}", ref, e.getMessage());
                Thread.sleep(backoff);
                backoff = Math.min(backoff * 2, 1000);
            }
        }
    }

    private void copy(Descriptor d, ContentWriter writer, long offset, ProgressReporter.Blob progress)
            throws IOException {
        Thread self = Thread.currentThread();
        InputStream[] stream = new InputStream[1];
        Closeable closer = () -> {
            InputStream s = stream[0];
            if (s != null) {
                s.close();
            }
        };
        try (StallWatch.Watch watch = stalls.watch(stallTimeout, () -> {
            InputStream s = stream[0];
            try {
                if (s != null) {
                    s.close();
                }
            } catch (IOException | RuntimeException e) {
                // the reader sees the stream closed
            }
            self.interrupt();
        })) {
            job.register(closer);
            try {
                stream[0] = source.open(d, offset);
                watch.touch();
                long written = offset;
                byte[] buffer = new byte[BUFFER];
                int n;
                while ((n = stream[0].read(buffer)) >= 0) {
                    if (n == 0) {
                        continue;
                    }
                    watch.touch();
                    if (d.size() > 0 && written + n > d.size()) {
                        throw new ContainerjException(ErrorKind.DATA_LOSS, String.format(
                                "%s: the source sent more than the %d bytes of the descriptor", d.digest(), d.size()));
                    }
                    writer.write(ByteBuffer.wrap(buffer, 0, n));
                    written += n;
                    progress.moved(written);
                }
                if (written < d.size()) {
                    throw new ContainerjException(ErrorKind.DATA_LOSS, String.format(
                            "%s: short read: got %d of %d bytes", d.digest(), written, d.size()));
                }
            } catch (IOException | RuntimeException e) {
                if (watch.stalled()) {
                    Thread.interrupted();
                    throw new ContainerjException(ErrorKind.DEADLINE_EXCEEDED, String.format(
                            "%s: no data for %d s while fetching %s", d.digest(), stallTimeout.toSeconds(),
                            MediaTypes.refKey(d)), e);
                }
                if (job.failure() != null && !(e instanceof ContainerjException)) {
                    throw Errors.canceled(job.what());
                }
                throw Errors.of(e, ErrorKind.UNAVAILABLE, "fetching " + MediaTypes.refKey(d));
            } finally {
                job.unregister(closer);
                InputStream s = stream[0];
                if (s != null) {
                    try {
                        s.close();
                    } catch (IOException | RuntimeException e) {
                        // nothing more to read from it
                    }
                }
            }
        }
    }

    private void abortQuietly(String ref) {
        try {
            content.abort(ref);
        } catch (ContainerjException e) {
            Logger.tag("transfer").debug("aborting ingest {}: {}", ref, e.getMessage());
        }
    }

    /** The blob's bytes (after it was fetched). */
    byte[] read(Descriptor d) {
        return ContentBlobs.read(content, d);
    }

    static List<String> parents(Descriptor parent) {
        return List.of(MediaTypes.refKey(parent));
    }
}
