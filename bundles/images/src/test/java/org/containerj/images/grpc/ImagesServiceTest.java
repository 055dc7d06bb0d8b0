package org.containerj.images.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.containerj.api.errdefs.ContainerjException;
import org.containerj.images.impl.MetadataImageStore;
import org.containerj.metadata.impl.LmdbMetadataStore;
import org.containerj.proto.services.images.v1.CreateImageRequest;
import org.containerj.proto.services.images.v1.DeleteImageRequest;
import org.containerj.proto.services.images.v1.GetImageRequest;
import org.containerj.proto.services.images.v1.Image;
import org.containerj.proto.services.images.v1.ImagesGrpc;
import org.containerj.proto.services.images.v1.ListImagesRequest;
import org.containerj.proto.services.images.v1.UpdateImageRequest;
import org.containerj.proto.types.Descriptor;
import org.containerj.server.GrpcErrors;
import org.containerj.server.RequestContextInterceptor;
import org.containerj.server.RequestNamespace;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.google.protobuf.FieldMask;

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

/** The Images service over grpc's in-process transport, as ctr calls it. */
class ImagesServiceTest {
    private static final String DIGEST = "sha256:" + "c".repeat(64);

    @TempDir
    Path dir;
    private LmdbMetadataStore db;
    private Server server;
    private ManagedChannel channel;

    /** What the API server does: ContainerjExceptions become statuses. */
    private static final class AsTheServerDoes implements ServerInterceptor {
        @Override
        public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                ServerCallHandler<Q, R> next) {
            return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(next.startCall(call, headers)) {
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
        db = LmdbMetadataStore.open(dir, LmdbMetadataStore.Options.defaults(), List.of());
        String name = InProcessServerBuilder.generateName();
        server = InProcessServerBuilder.forName(name).directExecutor()
                .addService(ServerInterceptors.intercept(new ImagesService(new MetadataImageStore(db)),
                        new AsTheServerDoes(), new RequestContextInterceptor()))
                .build().start();
        channel = InProcessChannelBuilder.forName(name).directExecutor().build();
    }

    @AfterEach
    void stop() throws Exception {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        db.close();
    }

    private ImagesGrpc.ImagesBlockingStub images(String namespace) {
        Metadata headers = new Metadata();
        headers.put(RequestContextInterceptor.NAMESPACE_HEADER, namespace);
        return ImagesGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS)
                .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
    }

    private static Image image(String name, String digest) {
        return Image.newBuilder().setName(name).putLabels("a", "1")
                .setTarget(Descriptor.newBuilder().setMediaType("application/vnd.oci.image.manifest.v1+json")
                        .setDigest(digest).setSize(42).putAnnotations("k", "v"))
                .build();
    }

    private static Status.Code codeOf(Runnable call) {
        return assertThrows(StatusRuntimeException.class, call::run).getStatus().getCode();
    }

    @Test
    void createGetUpdateListDelete() {
        Image created = images("ns").create(CreateImageRequest.newBuilder().setImage(image("app:1", DIGEST)).build())
                .getImage();
        assertEquals("app:1", created.getName());
        assertEquals(DIGEST, created.getTarget().getDigest());
        assertEquals("v", created.getTarget().getAnnotationsMap().get("k"));
        assertEquals(true, created.hasCreatedAt() && created.hasUpdatedAt());
        assertEquals(created, images("ns").get(GetImageRequest.newBuilder().setName("app:1").build()).getImage());

        Image updated = images("ns").update(UpdateImageRequest.newBuilder()
                .setImage(Image.newBuilder().setName("app:1").putLabels("b", "2"))
                .setUpdateMask(FieldMask.newBuilder().addPaths("labels.b")).build()).getImage();
        assertEquals(2, updated.getLabelsCount());
        assertEquals(List.of("app:1"), images("ns").list(ListImagesRequest.newBuilder().addFilters("labels.b==2")
                .build()).getImagesList().stream().map(Image::getName).toList());
        assertEquals(0, images(RequestNamespace.DEFAULT).list(ListImagesRequest.getDefaultInstance()).getImagesCount());

        assertEquals(Status.Code.FAILED_PRECONDITION, codeOf(() -> images("ns").delete(DeleteImageRequest.newBuilder()
                .setName("app:1").setTarget(Descriptor.newBuilder().setDigest("sha256:" + "d".repeat(64))).build())));
        images("ns").delete(DeleteImageRequest.newBuilder().setName("app:1").build());
        assertEquals(Status.Code.NOT_FOUND,
                codeOf(() -> images("ns").get(GetImageRequest.newBuilder().setName("app:1").build())));
    }

    @Test
    void errorsAreContainerdsCodes() {
        images("ns").create(CreateImageRequest.newBuilder().setImage(image("x", DIGEST)).build());
        assertEquals(Status.Code.ALREADY_EXISTS,
                codeOf(() -> images("ns").create(CreateImageRequest.newBuilder().setImage(image("x", DIGEST)).build())));
        assertEquals(Status.Code.INVALID_ARGUMENT,
                codeOf(() -> images("ns").create(CreateImageRequest.newBuilder().setImage(image("y", "nope")).build())));
        assertEquals(Status.Code.INVALID_ARGUMENT,
                codeOf(() -> images("ns").create(CreateImageRequest.newBuilder().setImage(image("", DIGEST)).build())));
        assertEquals(Status.Code.INVALID_ARGUMENT, codeOf(() -> images("ns").list(
                ListImagesRequest.newBuilder().addFilters("name==").build())));
        assertEquals(Status.Code.NOT_FOUND, codeOf(() -> images("ns").update(UpdateImageRequest.newBuilder()
                .setImage(image("missing", DIGEST)).build())));
        assertEquals(Status.Code.INVALID_ARGUMENT,
                codeOf(() -> images("bad ns").get(GetImageRequest.newBuilder().setName("x").build())));
    }
}
