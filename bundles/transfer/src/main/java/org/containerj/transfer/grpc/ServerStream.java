package org.containerj.transfer.grpc;

import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.containerj.api.errdefs.ContainerjException;
import org.containerj.api.errdefs.ErrorKind;

import com.google.protobuf.Any;

import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCallStreamObserver;

/**
 * The daemon's end of one Streaming call: messages the client sends are queued (one
 * requested at a time, so a client cannot flood the daemon), messages to the client are
 * sent in order. Closing completes the call, which the client reads as end of stream.
 */
public final class ServerStream {
    private static final Object END = new Object();

    private final StreamManager manager;
    private final String namespace;
    private final String id;
    private final ServerCallStreamObserver<Any> out;
    private final BlockingQueue<Object> in = new LinkedBlockingQueue<>();
    private volatile Throwable remoteError;
    private boolean finished;

    ServerStream(StreamManager manager, String namespace, String id, ServerCallStreamObserver<Any> out) {
        this.manager = manager;
        this.namespace = namespace;
        this.id = id;
        this.out = out;
    }

    public String id() {
        return id;
    }

    /** From the call: a message of the client. */
    void delivered(Any message) {
        in.add(message);
    }

    /** From the call: the client closed its side (error null) or went away. */
    void remoteEnded(Throwable error) {
        remoteError = error;
        in.add(END);
        manager.remove(namespace, id, this);
    }

    /** The next message of the client; null at its end of stream. Interruptible. */
    public Any recv() throws InterruptedException {
        return unwrap(in.take());
    }

    /** As {@link #recv()}; DEADLINE_EXCEEDED when nothing came within {@code timeout}. */
    public Any recv(Duration timeout) throws InterruptedException {
        Object o = in.poll(timeout.toNanos(), TimeUnit.NANOSECONDS);
        if (o == null) {
            throw new ContainerjException(ErrorKind.DEADLINE_EXCEEDED,
                    "stream " + id + ": no answer within " + timeout.toSeconds() + " s");
        }
        return unwrap(o);
    }

    /** A message the client already sent, without waiting; null when there is none (or at the end). */
    public Any poll() {
        Object o = in.poll();
        return o == null ? null : unwrap(o);
    }

    private Any unwrap(Object o) {
        if (o == END) {
            in.add(END); // every later read sees the end too
            Throwable e = remoteError;
            if (e != null) {
                throw new ContainerjException(ErrorKind.CANCELED, "stream " + id + ": the client went away", e);
            }
            return null;
        }
        request();
        return (Any) o;
    }

    private synchronized void request() {
        if (!finished && !out.isCancelled()) {
            out.request(1);
        }
    }

    /** Sends to the client; CANCELED when the client went away or the stream is closed. */
    public synchronized void send(Any message) {
        if (finished || out.isCancelled()) {
            throw new ContainerjException(ErrorKind.CANCELED, "stream " + id + " is closed");
        }
        try {
            out.onNext(message);
        } catch (StatusRuntimeException | IllegalStateException e) {
            throw new ContainerjException(ErrorKind.CANCELED, "stream " + id + ": " + e.getMessage(), e);
        }
    }

    /** Ends the stream: the client sees end of stream. Idempotent. */
    public synchronized void close() {
        if (finished) {
            return;
        }
        finished = true;
        manager.remove(namespace, id, this);
        if (!out.isCancelled()) {
            try {
                out.onCompleted();
            } catch (StatusRuntimeException | IllegalStateException e) {
                // the client went away first
            }
        }
    }

    @Override
    public String toString() {
        return "stream " + id + " of " + namespace;
    }
}
