package org.containerj.diff.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPOutputStream;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.containerj.api.content.ContentStore;
import org.containerj.api.content.ContentWriter;
import org.containerj.api.content.Digest;
import org.containerj.api.errdefs.ContainerjException;
import org.containerj.content.impl.LocalContentStore;
import org.containerj.content.impl.MetadataContentStore;
import org.containerj.diff.impl.WalkingDiffer;
import org.containerj.metadata.impl.LmdbMetadataStore;
import org.containerj.proto.services.diff.v1.ApplyRequest;
import org.containerj.proto.services.diff.v1.ApplyResponse;
import org.containerj.proto.services.diff.v1.DiffGrpc;
import org.containerj.proto.services.diff.v1.DiffRequest;
import org.containerj.proto.services.diff.v1.DiffResponse;
import org.containerj.proto.types.Descriptor;
import org.containerj.proto.types.Mount;
import org.containerj.server.GrpcErrors;
import org.containerj.server.RequestContextInterceptor;
import org.containerj.server.RequestNamespace;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.google.protobuf.Timestamp;

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

/** containerd's Diff protocol over grpc's in-process transport, on a real content store and bind mounts. */
class DiffServiceTest {
    private static final Metadata.Key<String> NAMESPACE = Metadata.Key.of(RequestNamespace.HEADER,
            Metadata.ASCII_STRING_MARSHALLER);

    @TempDir
    Path dir;
    private LmdbMetadataStore db;
    private LocalContentStore blobs;
    private MetadataContentStore content;
    private Server server;
    private ManagedChannel channel;

    /** What the API server does before a service runs: errors to statuses. */
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

    private void start(DiffService service) throws Exception {
        String name = InProcessServerBuilder.generateName();
        server = InProcessServerBuilder.forName(name).directExecutor()
                .addService(ServerInterceptors.intercept(service, new AsTheServerDoes(),
                        new RequestContextInterceptor()))
                .build().start();
        channel = InProcessChannelBuilder.forName(name).directExecutor().build();
    }

    @BeforeEach
    void setUp() throws Exception {
        db = LmdbMetadataStore.open(Files.createDirectories(dir.resolve("meta")), LmdbMetadataStore.Options.defaults(),
                List.of());
        blobs = LocalContentStore.open(dir.resolve("content"));
        content = new MetadataContentStore(db, blobs);
        WalkingDiffer walking = new WalkingDiffer(content, () -> {
            throw ContainerjException.unavailable("no mounter");
        }, dir.resolve("tmpmounts"));
        start(new DiffService(Map.of("walking", walking), Map.of("walking", walking), List.of("walking")));
    }

    @AfterEach
    void tearDown() throws Exception {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        blobs.close();
        db.close();
    }

    private DiffGrpc.DiffBlockingStub stub(String namespace) {
        Metadata headers = new Metadata();
        headers.put(NAMESPACE, namespace);
        return DiffGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS)
                .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
    }

    private static String sha256(byte[] data) throws Exception {
        return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
    }

    private static byte[] tar(String name, String content) throws Exception {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try (TarArchiveOutputStream t = new TarArchiveOutputStream(b)) {
            byte[] data = content.getBytes(StandardCharsets.UTF_8);
            TarArchiveEntry e = new TarArchiveEntry(name, true);
            e.setSize(data.length);
            e.setMode(0100644);
            e.setLastModifiedTime(FileTime.from(Instant.parse("2020-01-01T00:00:00Z")));
            t.putArchiveEntry(e);
            t.write(data);
            t.closeArchiveEntry();
        }
        return b.toByteArray();
    }

    private static byte[] gzip(byte[] data) throws Exception {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try (OutputStream out = new GZIPOutputStream(b)) {
            out.write(data);
        }
        return b.toByteArray();
    }

    private Descriptor store(String namespace, String mediaType, byte[] blob) throws Exception {
        Digest d = Digest.parse(sha256(blob));
        ContentStore store = content.forNamespace(namespace);
        try (ContentWriter w = store.writer("layer-" + d.hex(), blob.length, d, Map.of())) {
            w.write(ByteBuffer.wrap(blob));
            w.commit(blob.length, d, Map.of());
        }
        return Descriptor.newBuilder().setMediaType(mediaType).setDigest(d.toString()).setSize(blob.length).build();
    }

    private static Mount bind(Path p) {
        return Mount.newBuilder().setType("bind").setSource(p.toString()).addOptions("rbind").addOptions("rw").build();
    }

    @Test
    void applyUnpacksALayerAsCtrPullDoes() throws Exception {
        byte[] tar = tar("etc/motd", "hello");
        Descriptor layer = store("ns1", "application/vnd.docker.image.rootfs.diff.tar.gzip", gzip(tar));
        Path root = Files.createDirectory(dir.resolve("root"));

        ApplyResponse r = stub("ns1").apply(ApplyRequest.newBuilder().setDiff(layer).addMounts(bind(root)).build());

        assertEquals("application/vnd.oci.image.layer.v1.tar", r.getApplied().getMediaType());
        assertEquals(sha256(tar), r.getApplied().getDigest());
        assertEquals(tar.length, r.getApplied().getSize());
        assertEquals("hello", Files.readString(root.resolve("etc/motd")));
    }

    @Test
    void applyReadsTheContentOfTheCallersNamespaceOnly() throws Exception {
        Descriptor layer = store("ns1", "application/vnd.oci.image.layer.v1.tar", tar("f", "x"));
        Path root = Files.createDirectory(dir.resolve("root"));
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> stub("ns2")
                .apply(ApplyRequest.newBuilder().setDiff(layer).addMounts(bind(root)).build()));
        assertEquals(Status.Code.NOT_FOUND, e.getStatus().getCode());
    }

    @Test
    void anEscapingLayerIsInvalidArgument() throws Exception {
        String escapee = "containerj-escape-" + System.nanoTime();
        Descriptor layer = store("ns1", "application/vnd.oci.image.layer.v1.tar+gzip",
                gzip(tar("../../" + escapee, "x")));
        Path root = Files.createDirectory(dir.resolve("root"));
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> stub("ns1")
                .apply(ApplyRequest.newBuilder().setDiff(layer).addMounts(bind(root)).build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
        assertTrue(e.getStatus().getDescription().contains("escapes"), e.getStatus().getDescription());
        assertTrue(Files.notExists(dir.getParent().resolve(escapee)));
        assertTrue(Files.notExists(dir.resolve(escapee)));
    }

    @Test
    void anUnknownLayerTypeIsUnimplemented() throws Exception {
        Descriptor layer = store("ns1", "application/x-bzip2", new byte[] {1});
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> stub("ns1")
                .apply(ApplyRequest.newBuilder().setDiff(layer).addMounts(bind(dir)).build()));
        assertEquals(Status.Code.UNIMPLEMENTED, e.getStatus().getCode());
    }

    @Test
    void diffWritesTheChangesAsCtrSnapshotsDiffDoes() throws Exception {
        Path lower = Files.createDirectory(dir.resolve("lower"));
        Path upper = Files.createDirectory(dir.resolve("upper"));
        Files.writeString(upper.resolve("added"), "new");

        DiffResponse r = stub("ns1").diff(DiffRequest.newBuilder().addLeft(bind(lower)).addRight(bind(upper))
                .setRef("ctr-ref").putLabels("l", "v")
                .setSourceDateEpoch(Timestamp.newBuilder().setSeconds(1_600_000_000)).build());

        assertEquals("application/vnd.oci.image.layer.v1.tar+gzip", r.getDiff().getMediaType());
        var info = content.forNamespace("ns1").info(Digest.parse(r.getDiff().getDigest()));
        assertEquals(r.getDiff().getSize(), info.size());
        assertEquals("v", info.labels().get("l"));
        assertTrue(info.labels().get(WalkingDiffer.UNCOMPRESSED_LABEL).startsWith("sha256:"));

        Path target = Files.createDirectory(dir.resolve("target"));
        ApplyResponse applied = stub("ns1").apply(ApplyRequest.newBuilder().setDiff(r.getDiff())
                .addMounts(bind(target)).build());
        assertEquals(info.labels().get(WalkingDiffer.UNCOMPRESSED_LABEL), applied.getApplied().getDigest());
        assertEquals("new", Files.readString(target.resolve("added")));
    }

    @Test
    void withoutADifferCallsAreUnavailable() throws Exception {
        tearDownServerOnly();
        start(new DiffService(Map.of(), Map.of(), List.of("walking")));
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> stub("ns1")
                .diff(DiffRequest.newBuilder().addLeft(bind(dir)).addRight(bind(dir)).build()));
        assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode());
    }

    private void tearDownServerOnly() throws Exception {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
}
