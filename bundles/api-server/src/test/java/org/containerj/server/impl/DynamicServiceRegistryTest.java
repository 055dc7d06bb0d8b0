package org.containerj.server.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import org.containerj.api.errdefs.ContainerjException;
import org.containerj.proto.services.namespaces.v1.GetNamespaceRequest;
import org.containerj.proto.services.namespaces.v1.GetNamespaceResponse;
import org.containerj.proto.services.namespaces.v1.Namespace;
import org.containerj.proto.services.namespaces.v1.NamespacesGrpc;
import org.containerj.proto.services.version.v1.VersionGrpc;
import org.containerj.server.RequestNamespace;
import org.containerj.server.RequestContextInterceptor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.google.protobuf.Empty;

import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;

/** Routing, namespaces and error mapping of the server, over grpc's in-process transport. */
class DynamicServiceRegistryTest {
    private final DynamicServiceRegistry registry = new DynamicServiceRegistry();
    private final AtomicReference<String> seenNamespace = new AtomicReference<>();
    private Server server;
    private ManagedChannel channel;

    /** A namespaces service that reports the namespace it ran in and fails for "missing". */
    private final class FakeNamespaces extends NamespacesGrpc.NamespacesImplBase {
        @Override
        public void get(GetNamespaceRequest request, StreamObserver<GetNamespaceResponse> observer) {
            seenNamespace.set(RequestNamespace.current());
            if (request.getName().equals("missing")) {
                throw ContainerjException.notFound("namespace %s: not found", "\"missing\"");
            }
            observer.onNext(GetNamespaceResponse.newBuilder()
                    .setNamespace(Namespace.newBuilder().setName(request.getName())).build());
            observer.onCompleted();
        }
    }

    @BeforeEach
    void start() throws Exception {
        String name = InProcessServerBuilder.generateName();
        server = InProcessServerBuilder.forName(name).fallbackHandlerRegistry(registry).directExecutor().build().start();
        channel = InProcessChannelBuilder.forName(name).directExecutor().build();
    }

    @AfterEach
    void stop() throws Exception {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }

    private ServerServiceDefinition serve(FakeNamespaces service) {
        ServerServiceDefinition def = ServerInterceptors.intercept(service, new ErrorInterceptor(),
                new RequestContextInterceptor());
        registry.add(def, "namespaces");
        return def;
    }

    private NamespacesGrpc.NamespacesBlockingStub stub(String namespace) {
        var stub = NamespacesGrpc.newBlockingStub(channel).withDeadlineAfter(5, TimeUnit.SECONDS);
        if (namespace == null) {
            return stub;
        }
        Metadata headers = new Metadata();
        headers.put(RequestContextInterceptor.NAMESPACE_HEADER, namespace);
        return stub.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
    }

    @Test
    void namespaceHeaderBecomesCurrentAndDefaultsToDefault() {
        serve(new FakeNamespaces());
        stub("team-a").get(GetNamespaceRequest.newBuilder().setName("x").build());
        assertEquals("team-a", seenNamespace.get());
        stub(null).get(GetNamespaceRequest.newBuilder().setName("x").build());
        assertEquals("default", seenNamespace.get());
    }

    @Test
    void badNamespaceIsInvalidArgumentBeforeServiceRuns() {
        serve(new FakeNamespaces());
        for (String bad : List.of("-x", "a..b", "has space", "x".repeat(77))) {
            seenNamespace.set(null);
            StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                    () -> stub(bad).get(GetNamespaceRequest.newBuilder().setName("x").build()));
            assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode(), bad);
            assertEquals(null, seenNamespace.get(), "service must not run for " + bad);
        }
    }

    @Test
    void containerjErrorsKeepTheirKind() {
        serve(new FakeNamespaces());
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                () -> stub("default").get(GetNamespaceRequest.newBuilder().setName("missing").build()));
        assertEquals(Status.Code.NOT_FOUND, e.getStatus().getCode());
        assertEquals("namespace \"missing\": not found", e.getStatus().getDescription());
    }

    @Test
    void absentPluginIsUnavailableAndComesBack() {
        ServerServiceDefinition def = serve(new FakeNamespaces());
        registry.remove(def);
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                () -> stub("default").get(GetNamespaceRequest.newBuilder().setName("x").build()));
        assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode());
        assertTrue(e.getStatus().getDescription().contains("io.containerd.grpc.v1.namespaces"));

        serve(new FakeNamespaces());
        assertEquals("x", stub("default").get(GetNamespaceRequest.newBuilder().setName("x").build())
                .getNamespace().getName());
    }

    @Test
    void knownContainerdServiceNeverServedIsUnavailable() {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                () -> VersionGrpc.newBlockingStub(channel).version(Empty.getDefaultInstance()));
        assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode());
        assertTrue(e.getStatus().getDescription().contains("io.containerd.grpc.v1.version"));
    }
}
