package org.containerj.content.grpc;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;

import org.containerj.api.errdefs.ContainerjException;
import org.containerj.api.errdefs.ErrorKind;
import org.containerj.proto.services.content.v1.ReadContentResponse;
import org.containerj.server.GrpcErrors;
import org.tinylog.Logger;

import com.google.protobuf.UnsafeByteOperations;

import io.grpc.stub.ServerCallStreamObserver;

/**
 * Sends a range of a blob as {@code ReadContentResponse} chunks of at most 1 MiB (each with
 * its offset in the blob), only while the client keeps up: a layer of hundreds of
 * megabytes is never buffered whole. The channel is closed when done or cancelled.
 */
final class ReadStream {
    static final int CHUNK = 1 << 20;

    private final SeekableByteChannel channel;
    private final ServerCallStreamObserver<ReadContentResponse> observer;
    private long position;
    private long remaining;
    private boolean done;

    ReadStream(SeekableByteChannel channel, long offset, long size, ServerCallStreamObserver<ReadContentResponse> observer) {
        this.channel = channel;
        this.position = offset;
        this.remaining = size;
        this.observer = observer;
    }

    /** Must run inside the service method: handlers can only be set there. */
    void start() {
        observer.setOnCancelHandler(this::cancelled);
        observer.setOnReadyHandler(this::pump);
        pump();
    }

    private synchronized void pump() {
        if (done) {
            return;
        }
        try {
            while (remaining > 0 && observer.isReady()) {
                byte[] chunk = new byte[(int) Math.min(CHUNK, remaining)];
                ByteBuffer buffer = ByteBuffer.wrap(chunk);
                channel.position(position);
                while (buffer.hasRemaining()) {
                    if (channel.read(buffer) < 0) {
                        throw new ContainerjException(ErrorKind.DATA_LOSS, "content ended at " + (position
                                + buffer.position()) + " bytes, before the " + remaining + " bytes asked for");
                    }
                }
                observer.onNext(ReadContentResponse.newBuilder().setOffset(position)
                        .setData(UnsafeByteOperations.unsafeWrap(chunk)).build());
                position += chunk.length;
                remaining -= chunk.length;
            }
            if (remaining == 0) {
                finish();
                observer.onCompleted();
            }
        } catch (IOException | RuntimeException e) {
            finish();
            observer.onError(GrpcErrors.toStatus(e instanceof IOException io
                    ? new ContainerjException(ErrorKind.UNKNOWN, "reading content: " + io, io) : e));
        }
    }

    private synchronized void cancelled() {
        finish();
    }

    private void finish() {
        if (!done) {
            done = true;
            try {
                channel.close();
            } catch (IOException e) {
                Logger.debug("closing a content reader: {}", e.toString());
            }
        }
    }
}
