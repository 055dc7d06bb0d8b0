package org.containerj.server.impl;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.grpc.HandlerRegistry;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.util.MutableHandlerRegistry;

/**
 * The services the server routes to, changed while it runs as plugin bundles come and
 * go. A call to a containerd service whose plugin is absent fails with UNAVAILABLE
 * naming the plugin (a client can retry); a method nobody ever served is UNIMPLEMENTED.
 */
final class DynamicServiceRegistry extends HandlerRegistry {
    /** containerd's gRPC services and the plugin ids that serve them. */
    private static final Map<String, String> KNOWN = Map.ofEntries(
            Map.entry("containerd.services.containers.v1.Containers", "containers"),
            Map.entry("containerd.services.content.v1.Content", "content"),
            Map.entry("containerd.services.diff.v1.Diff", "diff"),
            Map.entry("containerd.services.events.v1.Events", "events"),
            Map.entry("containerd.services.images.v1.Images", "images"),
            Map.entry("containerd.services.introspection.v1.Introspection", "introspection"),
            Map.entry("containerd.services.leases.v1.Leases", "leases"),
            Map.entry("containerd.services.namespaces.v1.Namespaces", "namespaces"),
            Map.entry("containerd.services.snapshots.v1.Snapshots", "snapshots"),
            Map.entry("containerd.services.tasks.v1.Tasks", "tasks"),
            Map.entry("containerd.services.version.v1.Version", "version"),
            Map.entry("containerd.services.sandbox.v1.Store", "sandboxes"),
            Map.entry("containerd.services.sandbox.v1.Controller", "sandbox-controllers"),
            Map.entry("containerd.services.streaming.v1.Streaming", "streaming"),
            Map.entry("containerd.services.transfer.v1.Transfer", "transfer"),
            Map.entry("runtime.v1.RuntimeService", "cri"),
            Map.entry("runtime.v1.ImageService", "cri"),
            Map.entry("grpc.health.v1.Health", "healthcheck"));

    private final MutableHandlerRegistry registry = new MutableHandlerRegistry();
    /** Services seen at least once, so that an absent third-party service is named too. */
    private final Map<String, String> seen = new ConcurrentHashMap<>();

    void add(ServerServiceDefinition service, String pluginId) {
        seen.put(service.getServiceDescriptor().getName(), pluginId);
        registry.addService(service);
    }

    void remove(ServerServiceDefinition service) {
        registry.removeService(service);
    }

    @Override
    public ServerMethodDefinition<?, ?> lookupMethod(String methodName, String authority) {
        ServerMethodDefinition<?, ?> method = registry.lookupMethod(methodName, authority);
        if (method != null) {
            return method;
        }
        String service = MethodDescriptor.extractFullServiceName(methodName);
        String plugin = service == null ? null : seen.getOrDefault(service, KNOWN.get(service));
        if (plugin == null) {
            return null;
        }
        return unavailable(methodName, "io.containerd.grpc.v1." + plugin);
    }

    private static ServerMethodDefinition<byte[], byte[]> unavailable(String methodName, String plugin) {
        MethodDescriptor<byte[], byte[]> descriptor = MethodDescriptor.<byte[], byte[]>newBuilder()
                .setType(MethodDescriptor.MethodType.UNKNOWN)
                .setFullMethodName(methodName)
                .setRequestMarshaller(RawMarshaller.INSTANCE)
                .setResponseMarshaller(RawMarshaller.INSTANCE)
                .build();
        ServerCallHandler<byte[], byte[]> handler = new ServerCallHandler<>() {
            @Override
            public ServerCall.Listener<byte[]> startCall(ServerCall<byte[], byte[]> call, Metadata headers) {
                call.close(Status.UNAVAILABLE.withDescription("plugin " + plugin + " is not available"),
                        new Metadata());
                return new ServerCall.Listener<>() {
                };
            }
        };
        return ServerMethodDefinition.create(descriptor, handler);
    }

    private enum RawMarshaller implements MethodDescriptor.Marshaller<byte[]> {
        INSTANCE;

        @Override
        public InputStream stream(byte[] value) {
            return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
            try {
                return stream.readAllBytes();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
