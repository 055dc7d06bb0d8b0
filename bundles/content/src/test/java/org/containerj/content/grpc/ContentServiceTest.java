package org.containerj.content.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.containerj.api.errdefs.ContainerjException;
import org.containerj.api.leases.LeaseResource;
import org.containerj.content.impl.LocalContentStore;
import org.containerj.content.impl.MetadataContentStore;
import org.containerj.leases.impl.MetadataLeaseManager;
import org.containerj.metadata.impl.LmdbMetadataStore;
import org.containerj.proto.services.content.v1.AbortRequest;
import org.containerj.proto.services.content.v1.ContentGrpc;
import org.containerj.proto.services.content.v1.DeleteContentRequest;
import org.containerj.proto.services.content.v1.Info;
import org.containerj.proto.services.content.v1.InfoRequest;
import org.containerj.proto.services.content.v1.ListContentRequest;
import org.containerj.proto.services.content.v1.ListContentResponse;
import org.containerj.proto.services.content.v1.ListStatusesRequest;
import org.containerj.proto.services.content.v1.ReadContentRequest;
import org.containerj.proto.services.content.v1.ReadContentResponse;
import org.containerj.proto.services.content.v1.StatusRequest;
import org.containerj.proto.services.content.v1.UpdateRequest;
import org.containerj.proto.services.content.v1.WriteAction;
import org.containerj.proto.services.content.v1.WriteContentRequest;
import org.containerj.proto.services.content.v1.WriteContentResponse;
import org.containerj.server.GrpcErrors;
import org.containerj.server.RequestContextInterceptor;
import org.containerj.server.RequestNamespace;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.google.protobuf.ByteString;
import com.google.protobuf.FieldMask;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.ForwardingServerCallListener;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;

/** containerd's Content protocol over grpc's in-process transport, on a real store and real LMDB. */
class ContentServiceTest {
    private static final Metadata.Key<String> NAMESPACE = Metadata.Key.of(RequestNamespace.HEADER,
            Metadata.ASCII_STRING_MARSHALLER);

    @TempDir
    Path dir;
    private LmdbMetadataStore db;
    private LocalContentStore local;
    private Server server;
    private ManagedChannel channel;

    /** What the API server does before a service runs: the namespace from its header, errors to statuses. */
    private static final class AsTheServerDoes implements ServerInterceptor {
        @Override
        public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                ServerCallHandler<Q, R> next) {
            ServerCall.Listener<Q> listener = next.startCall(call, headers);
            return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(listener) {
                @Override
                public void onHalfClose() {
                    try {
                        super.onHalfClose();
                    } catch (ContainerjException e) {
                        call.close(GrpcErrors.toStatus(e).getStatus(), new Metadata());
                    }
                }
            };
        }
    }

    @BeforeEach
    void start() throws Exception {
        db = LmdbMetadataStore.open(Files.createDirectories(dir.resolve("meta")), LmdbMetadataStore.Options.defaults(),
                List.of());
        local = LocalContentStore.open(dir.resolve("content"));
        ContentService service = new ContentService(new MetadataContentStore(db, local));
        String name = InProcessServerBuilder.generateName();
        server = InProcessServerBuilder.forName(name).directExecutor()
                .addService(ServerInterceptors.intercept(service, new AsTheServerDoes(), new RequestContextInterceptor())).build().start();
        channel = InProcessChannelBuilder.forName(name).directExecutor().build();
    }

    @AfterEach
    void stop() throws Exception {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        local.close();
        db.close();
    }

    private static Metadata headers(String namespace, String lease) {
        Metadata headers = new Metadata();
        headers.put(NAMESPACE, namespace);
        if (lease != null) {
            headers.put(RequestContextInterceptor.LEASE_HEADER, lease);
        }
        return headers;
    }

    private ContentGrpc.ContentBlockingStub blocking(String namespace) {
        return ContentGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS)
                .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers(namespace, null)));
    }

    /** One Write stream, driven request by request as containerd's remote writer does. */
    private final class WriteStream implements StreamObserver<WriteContentResponse> {
        private static final Object COMPLETED = new Object();
        private final BlockingQueue<Object> received = new LinkedBlockingQueue<>();
        private final StreamObserver<WriteContentRequest> requests;

        WriteStream(String namespace, String lease) {
            requests = ContentGrpc.newStub(channel)
                    .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers(namespace, lease))).write(this);
        }

        WriteStream() {
            this("default", null);
        }

        WriteContentResponse send(WriteContentRequest.Builder request) throws InterruptedException {
            requests.onNext(request.build());
            Object next = received.poll(10, TimeUnit.SECONDS);
            if (next instanceof Throwable t) {
                throw (StatusRuntimeException) Status.fromThrowable(t).asRuntimeException();
            }
            if (!(next instanceof WriteContentResponse response)) {
                throw new AssertionError("expected a response, got " + next);
            }
            return response;
        }

        boolean completed() throws InterruptedException {
            return received.poll(10, TimeUnit.SECONDS) == COMPLETED;
        }

        void halfClose() {
            requests.onCompleted();
        }

        void cancel() {
            ((io.grpc.stub.ClientCallStreamObserver<WriteContentRequest>) requests).cancel("client gone", null);
        }

        @Override
        public void onNext(WriteContentResponse value) {
            received.add(value);
        }

        @Override
        public void onError(Throwable t) {
            received.add(t);
        }

        @Override
        public void onCompleted() {
            received.add(COMPLETED);
        }
    }

    private static WriteContentRequest.Builder stat(String ref) {
        return WriteContentRequest.newBuilder().setAction(WriteAction.STAT).setRef(ref);
    }

    private static WriteContentRequest.Builder write(long offset, String data) {
        return WriteContentRequest.newBuilder().setAction(WriteAction.WRITE).setOffset(offset)
                .setData(ByteString.copyFromUtf8(data));
    }

    private static WriteContentRequest.Builder commit(long offset, long total, String expected) {
        return WriteContentRequest.newBuilder().setAction(WriteAction.COMMIT).setOffset(offset).setTotal(total)
                .setExpected(expected);
    }

    static String sha256(byte[] b) {
        try {
            return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    static String sha256(String s) {
        return sha256(s.getBytes(StandardCharsets.UTF_8));
    }

    private static Status.Code codeOf(Runnable r) {
        return assertThrows(StatusRuntimeException.class, r::run).getStatus().getCode();
    }

    private static String readAll(Iterator<ReadContentResponse> responses) {
        StringBuilder b = new StringBuilder();
        responses.forEachRemaining(r -> b.append(r.getData().toStringUtf8()));
        return b.toString();
    }

    @Test
    void statWriteInChunksCommit() throws Exception {
        String d = sha256("hello world");
        WriteStream stream = new WriteStream();

        WriteContentResponse stat = stream.send(stat("ref1").setTotal(11).setExpected(d));
        assertEquals(WriteAction.STAT, stat.getAction());
        assertEquals(0, stat.getOffset());
        assertEquals(11, stat.getTotal());
        assertEquals(sha256(""), stat.getDigest());
        assertTrue(stat.hasStartedAt() && stat.hasUpdatedAt());

        WriteContentResponse first = stream.send(write(0, "hello "));
        assertEquals(WriteAction.WRITE, first.getAction());
        assertEquals(6, first.getOffset());
        assertEquals(sha256("hello "), first.getDigest());
        assertEquals(11, first.getTotal(), "the response message is reused, as in containerd");

        assertEquals(9, stream.send(write(6, "wor")).getOffset());
        assertEquals(9, blocking("default").status(StatusRequest.newBuilder().setRef("ref1").build()).getStatus()
                .getOffset());

        WriteContentResponse committed = stream.send(commit(9, 11, d).setData(ByteString.copyFromUtf8("ld"))
                .putLabels("containerd.io/gc.root", "now"));
        assertEquals(WriteAction.COMMIT, committed.getAction());
        assertEquals(11, committed.getOffset());
        assertEquals(d, committed.getDigest());
        assertTrue(stream.completed(), "the stream ends after the commit");

        Info info = blocking("default").info(InfoRequest.newBuilder().setDigest(d).build()).getInfo();
        assertEquals(11, info.getSize());
        assertEquals(Map.of("containerd.io/gc.root", "now"), info.getLabelsMap());
        assertTrue(blocking("default").listStatuses(ListStatusesRequest.getDefaultInstance()).getStatusesList()
                .isEmpty());

        assertEquals("hello world", readAll(blocking("default").read(ReadContentRequest.newBuilder().setDigest(d)
                .build())));
        Iterator<ReadContentResponse> tail = blocking("default").read(ReadContentRequest.newBuilder().setDigest(d)
                .setOffset(6).build());
        ReadContentResponse only = tail.next();
        assertEquals(6, only.getOffset(), "the position in the blob");
        assertEquals("world", only.getData().toStringUtf8());
        assertEquals("wor", readAll(blocking("default").read(ReadContentRequest.newBuilder().setDigest(d)
                .setOffset(6).setSize(3).build())));
        assertEquals("world", readAll(blocking("default").read(ReadContentRequest.newBuilder().setDigest(d)
                .setOffset(6).setSize(100).build())), "a size past the end reads to the end");
        assertEquals("", readAll(blocking("default").read(ReadContentRequest.newBuilder().setDigest(d)
                .setOffset(11).build())));
        assertEquals(Status.Code.OUT_OF_RANGE, codeOf(() -> readAll(blocking("default").read(
                ReadContentRequest.newBuilder().setDigest(d).setOffset(12).build()))));
    }

    @Test
    void aStreamEndedWithoutCommitIsResumedByTheNext() throws Exception {
        WriteStream first = new WriteStream();
        first.send(stat("ref1"));
        assertEquals(3, first.send(write(0, "hel")).getOffset());
        first.halfClose();
        assertTrue(first.completed());

        var statuses = blocking("default").listStatuses(ListStatusesRequest.newBuilder().addFilters("ref==ref1").build())
                .getStatusesList();
        assertEquals(1, statuses.size());
        assertEquals(3, statuses.get(0).getOffset());

        WriteStream second = new WriteStream();
        WriteContentResponse stat = second.send(stat("ref1"));
        assertEquals(3, stat.getOffset());
        assertEquals(sha256("hel"), stat.getDigest());
        assertEquals(5, second.send(write(3, "lo")).getOffset());
        assertEquals(sha256("hello"), second.send(commit(5, 5, sha256("hello"))).getDigest());
        assertTrue(second.completed());
    }

    @Test
    void writingAtAnotherOffsetIsOutOfRange() throws Exception {
        WriteStream stream = new WriteStream();
        stream.send(stat("ref1"));
        stream.send(write(0, "abc"));
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> stream.send(write(7, "x")));
        assertEquals(Status.Code.OUT_OF_RANGE, e.getStatus().getCode());
        assertEquals("write @7 must occur at current offset 3", e.getStatus().getDescription());
        assertEquals(3, blocking("default").status(StatusRequest.newBuilder().setRef("ref1").build()).getStatus()
                .getOffset(), "the ingest is kept");

        // offset 0 on an ingest with data starts it over
        WriteStream again = new WriteStream();
        assertEquals(3, again.send(stat("ref1")).getOffset());
        assertEquals(2, again.send(write(0, "xy")).getOffset());
        assertEquals(sha256("xy"), again.send(commit(2, 0, "")).getDigest());
    }

    @Test
    void expectedContentThatExistsIsAlreadyExists() throws Exception {
        WriteStream stream = new WriteStream();
        stream.send(stat("ref1"));
        stream.send(commit(0, 2, sha256("hi")).setData(ByteString.copyFromUtf8("hi")));

        StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                () -> new WriteStream().send(stat("ref2").setExpected(sha256("hi"))));
        assertEquals(Status.Code.ALREADY_EXISTS, e.getStatus().getCode());

        // a stream that learns the digest on commit drops its ingest
        WriteStream late = new WriteStream();
        late.send(stat("ref3"));
        late.send(write(0, "hi"));
        assertEquals(Status.Code.ALREADY_EXISTS, codeOf(() -> {
            try {
                late.send(commit(2, 2, sha256("hi")));
            } catch (InterruptedException ie) {
                throw new AssertionError(ie);
            }
        }));
        assertEquals(Status.Code.NOT_FOUND, codeOf(() -> blocking("default").status(
                StatusRequest.newBuilder().setRef("ref3").build())));
    }

    @Test
    void aRefIsWrittenByOneStreamAtATime() throws Exception {
        WriteStream first = new WriteStream();
        first.send(stat("ref1"));
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> new WriteStream().send(stat("ref1")));
        assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode());
        assertTrue(e.getStatus().getDescription().contains("locked"));
        first.halfClose();
        assertTrue(first.completed());
        assertEquals(0, new WriteStream().send(stat("ref1")).getOffset());
    }

    @Test
    void aCancelledStreamLetsGoOfItsRef() throws Exception {
        WriteStream first = new WriteStream();
        first.send(stat("ref1"));
        first.send(write(0, "abc"));
        first.cancel();
        WriteStream second = new WriteStream();
        assertEquals(3, second.send(stat("ref1")).getOffset());
    }

    @Test
    void aBadCommitShowsNothing() throws Exception {
        WriteStream stream = new WriteStream();
        stream.send(stat("ref1"));
        stream.send(write(0, "hello"));
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                () -> stream.send(commit(5, 5, sha256("other"))));
        assertEquals(Status.Code.FAILED_PRECONDITION, e.getStatus().getCode());
        assertEquals(Status.Code.NOT_FOUND, codeOf(() -> blocking("default").info(
                InfoRequest.newBuilder().setDigest(sha256("hello")).build())));
        assertEquals(Status.Code.INVALID_ARGUMENT, codeOf(() -> blocking("default").info(
                InfoRequest.newBuilder().setDigest("sha256:nothex").build())));
        blocking("default").abort(AbortRequest.newBuilder().setRef("ref1").build());
        assertEquals(Status.Code.NOT_FOUND, codeOf(() -> blocking("default").abort(
                AbortRequest.newBuilder().setRef("ref1").build())));
        assertEquals(Status.Code.INVALID_ARGUMENT, codeOf(() -> {
            try {
                new WriteStream().send(WriteContentRequest.newBuilder().setAction(WriteAction.STAT));
            } catch (InterruptedException ie) {
                throw new AssertionError(ie);
            }
        }));
    }

    @Test
    void largeBlobsAreReadInChunksOfOneMebibyte() throws Exception {
        byte[] blob = new byte[(5 << 20) / 2];
        for (int i = 0; i < blob.length; i++) {
            blob[i] = (byte) (i * 31 + i / 7);
        }
        WriteStream stream = new WriteStream();
        stream.send(stat("big").setTotal(blob.length));
        int sent = 0;
        int chunk = 700_000;
        while (sent < blob.length) {
            int n = Math.min(chunk, blob.length - sent);
            WriteContentResponse r = stream.send(WriteContentRequest.newBuilder().setAction(WriteAction.WRITE)
                    .setOffset(sent).setData(ByteString.copyFrom(blob, sent, n)));
            sent += n;
            assertEquals(sent, r.getOffset());
        }
        String d = sha256(blob);
        assertEquals(d, stream.send(commit(sent, blob.length, d)).getDigest());

        List<Long> offsets = new ArrayList<>();
        ByteArrayOutputStream back = new ByteArrayOutputStream();
        blocking("default").read(ReadContentRequest.newBuilder().setDigest(d).build()).forEachRemaining(r -> {
            offsets.add(r.getOffset());
            back.writeBytes(r.getData().toByteArray());
        });
        assertEquals(List.of(0L, 1L << 20, 2L << 20), offsets);
        assertEquals(d, sha256(back.toByteArray()));
    }

    @Test
    void namespacesListUpdateDelete() throws Exception {
        WriteStream stream = new WriteStream("team-a", null);
        stream.send(stat("ref1"));
        String d = stream.send(commit(0, 0, "").setData(ByteString.copyFromUtf8("data"))).getDigest();

        assertEquals(Status.Code.NOT_FOUND, codeOf(() -> blocking("team-b").info(
                InfoRequest.newBuilder().setDigest(d).build())));
        Iterator<ListContentResponse> inB = blocking("team-b").list(ListContentRequest.getDefaultInstance());
        assertTrue(!inB.hasNext());

        List<Info> listed = new ArrayList<>();
        blocking("team-a").list(ListContentRequest.getDefaultInstance())
                .forEachRemaining(r -> listed.addAll(r.getInfoList()));
        assertEquals(1, listed.size());
        assertEquals(d, listed.get(0).getDigest());

        Info updated = blocking("team-a").update(UpdateRequest.newBuilder()
                .setInfo(Info.newBuilder().setDigest(d).putLabels("k", "v"))
                .setUpdateMask(FieldMask.newBuilder().addPaths("labels.k")).build()).getInfo();
        assertEquals(Map.of("k", "v"), updated.getLabelsMap());
        List<Info> labelled = new ArrayList<>();
        blocking("team-a").list(ListContentRequest.newBuilder().addFilters("labels.k==v").build())
                .forEachRemaining(r -> labelled.addAll(r.getInfoList()));
        assertEquals(1, labelled.size());

        blocking("team-a").delete(DeleteContentRequest.newBuilder().setDigest(d).build());
        assertEquals(Status.Code.NOT_FOUND, codeOf(() -> blocking("team-a").delete(
                DeleteContentRequest.newBuilder().setDigest(d).build())));
    }

    @Test
    void listIsBatched() throws Exception {
        for (int i = 0; i < 250; i++) {
            WriteStream stream = new WriteStream();
            stream.send(stat("ref" + i));
            stream.send(commit(0, 0, "").setData(ByteString.copyFromUtf8("blob " + i)));
        }
        List<Integer> sizes = new ArrayList<>();
        blocking("default").list(ListContentRequest.getDefaultInstance())
                .forEachRemaining(r -> sizes.add(r.getInfoCount()));
        assertEquals(List.of(100, 100, 50), sizes);
    }

    @Test
    void theLeaseHeaderHoldsWhatIsWritten() throws Exception {
        MetadataLeaseManager leases = new MetadataLeaseManager(db);
        leases.create("default", "pull-1", Map.of());
        WriteStream stream = new WriteStream("default", "pull-1");
        stream.send(stat("ref1"));
        String d = stream.send(commit(0, 0, "").setData(ByteString.copyFromUtf8("leased"))).getDigest();
        assertEquals(List.of(new LeaseResource(d, "content")), leases.listResources("default", "pull-1"));

        StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                () -> new WriteStream("default", "missing").send(stat("ref2")));
        assertEquals(Status.Code.NOT_FOUND, e.getStatus().getCode());
    }
}
