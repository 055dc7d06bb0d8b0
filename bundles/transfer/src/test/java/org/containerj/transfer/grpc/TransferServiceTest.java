package org.containerj.transfer.grpc;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.containerj.api.remotes.RegistryCredentials;
import org.containerj.proto.AnyTypes;
import org.containerj.proto.services.streaming.v1.StreamingGrpc;
import org.containerj.proto.services.transfer.v1.TransferGrpc;
import org.containerj.proto.services.transfer.v1.TransferOptions;
import org.containerj.proto.services.transfer.v1.TransferRequest;
import org.containerj.proto.types.transfer.AuthRequest;
import org.containerj.proto.types.transfer.AuthResponse;
import org.containerj.proto.types.transfer.AuthType;
import org.containerj.proto.types.transfer.ImageExportStream;
import org.containerj.proto.types.transfer.ImageImportStream;
import org.containerj.proto.types.transfer.ImageReference;
import org.containerj.proto.types.transfer.ImageStore;
import org.containerj.proto.types.transfer.OCIRegistry;
import org.containerj.proto.types.transfer.Progress;
import org.containerj.proto.types.transfer.RegistryResolver;
import org.containerj.proto.types.transfer.UnpackConfiguration;
import org.containerj.server.GrpcErrors;
import org.containerj.server.RequestContextInterceptor;
import org.containerj.server.RequestNamespace;
import org.containerj.transfer.impl.Platforms;
import org.containerj.transfer.impl.TestImages;
import org.containerj.transfer.impl.TransferFixture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.google.protobuf.Any;

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

/** The Transfer and Streaming services over grpc's in-process transport, with containerd's client protocol. */
class TransferServiceTest {
    private static final Metadata.Key<String> NAMESPACE = Metadata.Key.of(RequestNamespace.HEADER,
            Metadata.ASCII_STRING_MARSHALLER);
    private static final String NS = "grpc";

    @TempDir
    Path dir;
    private TransferFixture f;
    private StreamManager manager;
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
                    } catch (RuntimeException e) {
                        call.close(GrpcErrors.toStatus(e).getStatus(), new Metadata());
                    }
                }
            };
        }
    }

    @BeforeEach
    void setUp() throws Exception {
        f = new TransferFixture(dir);
        manager = new StreamManager();
        String name = InProcessServerBuilder.generateName();
        server = InProcessServerBuilder.forName(name)
                .addService(ServerInterceptors.intercept(new TransferService(f.transfer, manager, f.images),
                        new AsTheServerDoes(), new RequestContextInterceptor()))
                .addService(ServerInterceptors.intercept(new StreamingService(manager), new AsTheServerDoes(),
                        new RequestContextInterceptor()))
                .build().start();
        channel = InProcessChannelBuilder.forName(name).build();
    }

    @AfterEach
    void tearDown() throws Exception {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        f.close();
    }

    private Metadata headers() {
        Metadata h = new Metadata();
        h.put(NAMESPACE, NS);
        return h;
    }

    private TransferGrpc.TransferBlockingStub transfer() {
        return TransferGrpc.newBlockingStub(channel).withDeadlineAfter(60, TimeUnit.SECONDS)
                .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers()));
    }

    private ClientStream stream(String id) throws InterruptedException {
        return new ClientStream(StreamingGrpc.newStub(channel)
                .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers())), id);
    }

    private TestImages.Image publish() {
        TestImages.Image image = TestImages.image(Platforms.host(), TestImages.layers(2).toArray(TestImages.Layer[]::new));
        f.registry.add("team/app:1", image.manifest(), image.blobs());
        return image;
    }

    /** Collects the progress events of a stream until it ends (on its own thread). */
    private CompletableFuture<List<Progress>> progress(ClientStream s) {
        return CompletableFuture.supplyAsync(() -> {
            List<Progress> out = new ArrayList<>();
            try {
                Any a;
                while ((a = s.recv()) != null) {
                    out.add(AnyTypes.unpack(a, Progress.getDefaultInstance()));
                }
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
            return out;
        });
    }

    @Test
    void pullsWithProgressAndUnpacks() throws Exception {
        TestImages.Image image = publish();
        ClientStream p = stream("progress-1");
        CompletableFuture<List<Progress>> events = progress(p);
        transfer().transfer(TransferRequest.newBuilder()
                .setSource(AnyTypes.pack(OCIRegistry.newBuilder().setReference("registry.test:5000/team/app:1")
                        .setResolver(RegistryResolver.newBuilder().setDefaultScheme("http")).build()))
                .setDestination(AnyTypes.pack(ImageStore.newBuilder().setName("app")
                        .addExtraReferences(ImageReference.newBuilder().setName("app-too"))
                        .addUnpacks(UnpackConfiguration.newBuilder().setSnapshotter("native")).build()))
                .setOptions(TransferOptions.newBuilder().setProgressStream("progress-1")).build());
        List<Progress> got = events.get(30, TimeUnit.SECONDS);
        assertTrue(got.stream().anyMatch(e -> e.getEvent().equals("saved") && e.getName().equals("app")), got.toString());
        assertTrue(got.stream().anyMatch(e -> e.getEvent().equals("complete") && e.getDesc().getSize() > 0), got.toString());
        assertEquals(image.manifest().digest(), f.images.get(NS, "app").target().digest());
        assertEquals(image.manifest().digest(), f.images.get(NS, "app-too").target().digest());
        assertEquals(2, f.snapshots.of("native", NS).size());
        assertTrue(f.registry.lastOptions.plainHttp());
        assertEquals(0, manager.size(), "the progress stream is closed and gone");
    }

    @Test
    void asksTheClientForCredentialsOnTheAuthStream() throws Exception {
        publish();
        ClientStream auth = stream("creds-1");
        CompletableFuture<AuthRequest> asked = CompletableFuture.supplyAsync(() -> {
            try {
                AuthRequest r = AnyTypes.unpack(auth.recv(), AuthRequest.getDefaultInstance());
                auth.send(AnyTypes.pack(AuthResponse.newBuilder().setAuthType(AuthType.CREDENTIALS)
                        .setUsername("alice").setSecret("s3cret").build()));
                return r;
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        transfer().transfer(TransferRequest.newBuilder()
                .setSource(AnyTypes.pack(OCIRegistry.newBuilder().setReference("registry.test:5000/team/app:1")
                        .setResolver(RegistryResolver.newBuilder().setAuthStream("creds-1")).build()))
                .setDestination(AnyTypes.pack(ImageStore.newBuilder().setName("app").build())).build());
        AuthRequest r = asked.get(30, TimeUnit.SECONDS);
        assertEquals("registry.test:5000", r.getHost());
        assertEquals("registry.test:5000/team/app:1", r.getReference());
        assertEquals(new RegistryCredentials("alice", "s3cret"), f.registry.lastCredentials);
        auth.closeSend();
    }

    @Test
    void exportsAndImportsOverStreams() throws Exception {
        TestImages.Image image = publish();
        transfer().transfer(TransferRequest.newBuilder()
                .setSource(AnyTypes.pack(OCIRegistry.newBuilder().setReference("registry.test:5000/team/app:1").build()))
                .setDestination(AnyTypes.pack(ImageStore.newBuilder().setName("docker.io/library/app:1").build()))
                .build());

        ClientStream out = stream("export-1");
        CompletableFuture<byte[]> tar = CompletableFuture.supplyAsync(() -> {
            try {
                return out.receiveAll();
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        transfer().transfer(TransferRequest.newBuilder()
                .setSource(AnyTypes.pack(ImageStore.newBuilder().setName("docker.io/library/app:1").build()))
                .setDestination(AnyTypes.pack(ImageExportStream.newBuilder().setStream("export-1").build())).build());
        byte[] archive = tar.get(30, TimeUnit.SECONDS);
        var entries = org.containerj.transfer.impl.ArchiveTestAccess.entries(archive);
        for (var b : image.blobs().entrySet()) {
            assertArrayEquals(b.getValue(), entries.get("blobs/sha256/" + b.getKey().hex()));
        }

        ClientStream in = stream("import-1");
        CompletableFuture<Void> sent = CompletableFuture.runAsync(() -> {
            try {
                in.sendAll(archive);
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        transfer().transfer(TransferRequest.newBuilder()
                .setSource(AnyTypes.pack(ImageImportStream.newBuilder().setStream("import-1").build()))
                .setDestination(AnyTypes.pack(ImageStore.newBuilder()
                        .addExtraReferences(ImageReference.newBuilder().setName("docker.io/library/app").setIsPrefix(true)
                                .setAddDigest(true))
                        .build())).build());
        sent.get(30, TimeUnit.SECONDS);
        // the archive's io.containerd.image.name is under the prefix: kept, and a digest name added
        assertEquals(image.manifest().digest(), f.images.get(NS, "docker.io/library/app@" + image.manifest().digest())
                .target().digest());
    }

    @Test
    void tagsWithinTheImageStore() {
        TestImages.Image image = publish();
        transfer().transfer(TransferRequest.newBuilder()
                .setSource(AnyTypes.pack(OCIRegistry.newBuilder().setReference("registry.test:5000/team/app:1").build()))
                .setDestination(AnyTypes.pack(ImageStore.newBuilder().setName("a").build())).build());
        transfer().transfer(TransferRequest.newBuilder()
                .setSource(AnyTypes.pack(ImageStore.newBuilder().setName("a").build()))
                .setDestination(AnyTypes.pack(ImageStore.newBuilder().setName("b").build())).build());
        assertEquals(image.manifest().digest(), f.images.get(NS, "b").target().digest());
    }

    @Test
    void errorsCarryContainerdsCodes() {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> transfer().transfer(
                TransferRequest.newBuilder().setSource(AnyTypes.pack(ImageImportStream.newBuilder().build()))
                        .setDestination(AnyTypes.pack(OCIRegistry.newBuilder().build())).build()));
        assertEquals(Status.Code.UNIMPLEMENTED, e.getStatus().getCode());

        e = assertThrows(StatusRuntimeException.class, () -> transfer().transfer(TransferRequest.newBuilder()
                .setSource(AnyTypes.pack(OCIRegistry.newBuilder().setReference("Not a reference").build()))
                .setDestination(AnyTypes.pack(ImageStore.newBuilder().setName("x").build())).build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());

        e = assertThrows(StatusRuntimeException.class, () -> transfer().transfer(TransferRequest.newBuilder()
                .setSource(AnyTypes.pack(OCIRegistry.newBuilder().setReference("registry.test:5000/team/app:1").build()))
                .setDestination(AnyTypes.pack(ImageStore.newBuilder().setName("x").build()))
                .setOptions(TransferOptions.newBuilder().setProgressStream("never-opened")).build()));
        assertEquals(Status.Code.NOT_FOUND, e.getStatus().getCode());

        e = assertThrows(StatusRuntimeException.class, () -> transfer().transfer(TransferRequest.newBuilder()
                .setSource(AnyTypes.pack(OCIRegistry.newBuilder().setReference("registry.test:5000/team/app:1").build()))
                .setDestination(AnyTypes.pack(ImageStore.newBuilder().build())).build()));
        assertEquals(Status.Code.NOT_FOUND, e.getStatus().getCode(), "no image name");

        e = assertThrows(StatusRuntimeException.class, () -> transfer().transfer(TransferRequest.newBuilder()
                .setSource(AnyTypes.pack(OCIRegistry.newBuilder().setReference("registry.test:5000/team/missing:1").build()))
                .setDestination(AnyTypes.pack(ImageStore.newBuilder().setName("x").build())).build()));
        assertEquals(Status.Code.NOT_FOUND, e.getStatus().getCode());
    }

    @Test
    void aStreamIdIsUniquePerNamespace() throws Exception {
        stream("same");
        assertThrows(AssertionError.class, () -> stream("same"));
        assertEquals(1, manager.size());
    }
}
