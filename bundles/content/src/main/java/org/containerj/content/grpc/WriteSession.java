package org.containerj.content.grpc;

import java.util.Map;

import org.containerj.api.content.ContentStore;
import org.containerj.api.content.ContentWriter;
import org.containerj.api.content.Digest;
import org.containerj.api.content.IngestStatus;
import org.containerj.api.errdefs.ContainerjException;
import org.containerj.api.errdefs.ErrorKind;
import org.containerj.proto.services.content.v1.WriteAction;
import org.containerj.proto.services.content.v1.WriteContentRequest;
import org.containerj.proto.services.content.v1.WriteContentResponse;
import org.containerj.server.GrpcErrors;
import org.tinylog.Logger;

import io.grpc.stub.StreamObserver;

/**
 * One {@code Content.Write} stream, with containerd's protocol. The first message names
 * the ref (and may give the total and expected digest); it opens, or resumes, the ingest,
 * which stays locked to this stream until it ends. Each request gets one response:
 * <ul>
 * <li>STAT: the ingest's offset, digest so far, start and update times, expected total;
 * <li>WRITE: {@code data} appended at {@code offset}, which must be the current offset
 * when non-zero (OUT_OF_RANGE otherwise); an offset of 0 on an ingest that has data
 * restarts it; the response carries the new offset and digest;
 * <li>COMMIT: as WRITE, then the blob is committed with the total and expected digest
 * (and labels); the stream ends after the response.
 * </ul>
 * A request naming an expected digest the namespace already has ends the stream with
 * ALREADY_EXISTS and drops the ingest. As in containerd, one response message is reused,
 * so fields set by a STAT (times, total) stay in later responses. Ending the stream
 * without COMMIT closes the writer and keeps the ingest for a later stream to resume.
 */
final class WriteSession implements StreamObserver<WriteContentRequest> {
    private final ContentStore store;
    private final StreamObserver<WriteContentResponse> responses;
    private final WriteContentResponse.Builder response = WriteContentResponse.newBuilder();

    private ContentWriter writer;
    private String ref;
    private long total;
    private Digest expected;
    private boolean finished;

    WriteSession(ContentStore store, StreamObserver<WriteContentResponse> responses) {
        this.store = store;
        this.responses = responses;
    }

    @Override
    public void onNext(WriteContentRequest request) {
        if (finished) {
            return;
        }
        try {
            if (writer == null) {
                open(request);
            }
            handle(request);
        } catch (RuntimeException e) {
            fail(e);
        }
    }

    private void open(WriteContentRequest first) {
        if (first.getRef().isEmpty()) {
            throw ContainerjException.invalidArgument("first message must have a reference");
        }
        ref = first.getRef();
        total = first.getTotal();
        expected = first.getExpected().isEmpty() ? null : Digest.parse(first.getExpected());
        writer = store.writer(ref, total, expected, Map.of());
    }

    private void handle(WriteContentRequest request) {
        response.setActionValue(request.getActionValue());
        IngestStatus status = writer.status();
        response.setOffset(status.offset());

        if (!request.getExpected().isEmpty()) {
            expected = Digest.parse(request.getExpected());
            if (exists(expected)) {
                closeWriter();
                try {
                    store.abort(ref);
                } catch (RuntimeException e) {
                    Logger.debug("content write {}: abort after finding {}: {}", ref, expected, e.getMessage());
                }
                throw ContainerjException.alreadyExists("blob with expected digest %s exists", expected);
            }
        }
        if (request.getTotal() > 0) {
            total = request.getTotal();
        }

        WriteAction action = request.getAction();
        switch (action) {
            case STAT -> {
                response.setDigest(writer.digest().toString())
                        .setStartedAt(ProtoTimes.toProto(status.startedAt()))
                        .setUpdatedAt(ProtoTimes.toProto(status.updatedAt()))
                        .setTotal(total);
            }
            case WRITE, COMMIT -> {
                if (request.getOffset() > 0 && request.getOffset() != status.offset()) {
                    throw new ContainerjException(ErrorKind.OUT_OF_RANGE, String.format(
                            "write @%d must occur at current offset %d", request.getOffset(), status.offset()));
                }
                if (request.getOffset() == 0 && status.offset() > 0) {
                    writer.truncate(0);
                    response.setOffset(0);
                }
                if (!request.getData().isEmpty()) {
                    writer.write(request.getData().asReadOnlyByteBuffer());
                    response.setOffset(response.getOffset() + request.getData().size());
                }
                if (action == WriteAction.COMMIT) {
                    writer.commit(total, expected, request.getLabelsMap());
                }
                response.setDigest(writer.digest().toString());
            }
            default -> {
                // containerd answers an unknown action with the offset alone
            }
        }
        responses.onNext(response.build());
        if (action == WriteAction.COMMIT) {
            finished = true;
            closeWriter();
            responses.onCompleted();
        }
    }

    private boolean exists(Digest digest) {
        try {
            store.info(digest);
            return true;
        } catch (ContainerjException e) {
            if (e.kind() == ErrorKind.NOT_FOUND) {
                return false;
            }
            throw e;
        }
    }

    /** The client half-closed: the ingest is kept for a later stream. */
    @Override
    public void onCompleted() {
        if (finished) {
            return;
        }
        finished = true;
        closeWriter();
        responses.onCompleted();
    }

    /** The client went away (or cancelled): the ingest is kept for a later stream. */
    @Override
    public void onError(Throwable t) {
        finished = true;
        closeWriter();
    }

    private void fail(RuntimeException e) {
        finished = true;
        closeWriter();
        if (!ContainerjException.is(e, ErrorKind.ALREADY_EXISTS)) {
            Logger.tag("content").debug("content write {} failed: {}", ref, e.getMessage());
        }
        try {
            responses.onError(GrpcErrors.toStatus(e));
        } catch (RuntimeException alreadyGone) {
            Logger.tag("content").debug("content write {}: the client is gone: {}", ref, alreadyGone.toString());
        }
    }

    private void closeWriter() {
        if (writer != null) {
            try {
                writer.close();
            } catch (RuntimeException e) {
                Logger.warn(e, "content write {}: closing the writer", ref);
            }
        }
    }
}
