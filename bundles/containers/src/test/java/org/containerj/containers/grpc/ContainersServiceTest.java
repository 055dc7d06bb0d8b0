package org.containerj.containers.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.containerj.api.errdefs.ContainerjException;
import org.containerj.containers.impl.MetadataContainerStore;
import org.containerj.metadata.impl.LmdbMetadataStore;
import org.containerj.proto.services.containers.v1.Container;
import org.containerj.proto.services.containers.v1.ContainersGrpc;
import org.containerj.proto.services.containers.v1.CreateContainerRequest;
import org.containerj.proto.services.containers.v1.DeleteContainerRequest;
import org.containerj.proto.services.containers.v1.GetContainerRequest;
import org.containerj.proto.services.containers.v1.ListContainersRequest;
import org.containerj.proto.services.containers.v1.UpdateContainerRequest;
import org.containerj.server.GrpcErrors;
import org.containerj.server.RequestContextInterceptor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
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

/** The Containers service over grpc's in-process transport, as ctr calls it. */
class ContainersServiceTest {
    private static final Any SPEC = Any.newBuilder()
            .setTypeUrl("types.containerd.io/opencontainers/runtime-spec/1/Spec")
            .setValue(ByteString.copyFromUtf8("{\"ociVersion\":\"1.0.2\"}")).build();

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
                .addService(ServerInterceptors.intercept(new ContainersService(new MetadataContainerStore(db)),
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

    private ContainersGrpc.ContainersBlockingStub containers(String namespace) {
        Metadata headers = new Metadata();
        headers.put(RequestContextInterceptor.NAMESPACE_HEADER, namespace);
        return ContainersGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS)
                .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
    }

    private static Container container(String id) {
        return Container.newBuilder().setId(id).putLabels("a", "1").setImage("docker.io/library/busybox:latest")
                .setRuntime(Container.Runtime.newBuilder().setName("io.containerd.runc.v2")
                        .setOptions(Any.newBuilder().setTypeUrl("containerd.runc.v1.Options")))
                .setSpec(SPEC).setSnapshotter("overlayfs").setSnapshotKey(id)
                .putExtensions("ext", Any.newBuilder().setTypeUrl("x").setValue(ByteString.copyFromUtf8("y")).build())
                .build();
    }

    private static Status.Code codeOf(Runnable call) {
        return assertThrows(StatusRuntimeException.class, call::run).getStatus().getCode();
    }

    @Test
    void createGetUpdateListDelete() {
        Container created = containers("ns").create(CreateContainerRequest.newBuilder().setContainer(container("c1"))
                .build()).getContainer();
        assertEquals("c1", created.getId());
        assertEquals(SPEC, created.getSpec());
        assertEquals("containerd.runc.v1.Options", created.getRuntime().getOptions().getTypeUrl());
        assertEquals("y", created.getExtensionsMap().get("ext").getValue().toStringUtf8());
        assertTrue(created.hasCreatedAt() && created.hasUpdatedAt());
        assertEquals(created,
                containers("ns").get(GetContainerRequest.newBuilder().setId("c1").build()).getContainer());

        Container updated = containers("ns").update(UpdateContainerRequest.newBuilder()
                .setContainer(Container.newBuilder().setId("c1").putLabels("b", "2"))
                .setUpdateMask(FieldMask.newBuilder().addPaths("labels.b")).build()).getContainer();
        assertEquals(java.util.Map.of("a", "1", "b", "2"), updated.getLabelsMap());
        assertEquals(created.getCreatedAt(), updated.getCreatedAt());

        containers("ns").create(CreateContainerRequest.newBuilder().setContainer(container("c2")).build());
        assertEquals(2, containers("ns").list(ListContainersRequest.getDefaultInstance()).getContainersCount());
        assertEquals(List.of("c2"), containers("ns").list(ListContainersRequest.newBuilder().addFilters("id==c2")
                .build()).getContainersList().stream().map(Container::getId).toList());
        List<String> streamed = new ArrayList<>();
        containers("ns").listStream(ListContainersRequest.newBuilder().addFilters("labels.b==2").build())
                .forEachRemaining(m -> streamed.add(m.getContainer().getId()));
        assertEquals(List.of("c1"), streamed);
        assertEquals(0, containers("other").list(ListContainersRequest.getDefaultInstance()).getContainersCount());

        containers("ns").delete(DeleteContainerRequest.newBuilder().setId("c1").build());
        assertEquals(Status.Code.NOT_FOUND,
                codeOf(() -> containers("ns").get(GetContainerRequest.newBuilder().setId("c1").build())));
    }

    @Test
    void errorsAreContainerdsCodes() {
        containers("ns").create(CreateContainerRequest.newBuilder().setContainer(container("c1")).build());
        assertEquals(Status.Code.ALREADY_EXISTS, codeOf(() -> containers("ns")
                .create(CreateContainerRequest.newBuilder().setContainer(container("c1")).build())));
        assertEquals(Status.Code.INVALID_ARGUMENT, codeOf(() -> containers("ns")
                .create(CreateContainerRequest.newBuilder().setContainer(container("bad id")).build())));
        assertEquals(Status.Code.INVALID_ARGUMENT, codeOf(() -> containers("ns").create(CreateContainerRequest
                .newBuilder().setContainer(container("nospec").toBuilder().clearSpec()).build())));
        assertEquals(Status.Code.INVALID_ARGUMENT, codeOf(() -> containers("ns").update(UpdateContainerRequest
                .newBuilder().setContainer(Container.newBuilder().setId("c1"))
                .setUpdateMask(FieldMask.newBuilder().addPaths("runtime")).build())));
        assertEquals(Status.Code.NOT_FOUND, codeOf(() -> containers("ns")
                .delete(DeleteContainerRequest.newBuilder().setId("missing").build())));
        assertEquals(Status.Code.NOT_FOUND, codeOf(() -> containers("ns").update(UpdateContainerRequest.newBuilder()
                .setContainer(container("missing")).build())));
        assertEquals(Status.Code.INVALID_ARGUMENT,
                codeOf(() -> containers("bad/ns").list(ListContainersRequest.getDefaultInstance())));
    }
}
