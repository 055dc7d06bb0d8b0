package org.containerj.itests.support;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import org.containerj.proto.services.tasks.v1.CreateTaskRequest;
import org.containerj.proto.services.tasks.v1.ListTasksRequest;
import org.containerj.proto.services.tasks.v1.TasksGrpc;
import org.containerj.proto.services.tasks.v1.UpdateTaskRequest;
import org.containerj.proto.types.Mount;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;

import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.unix.DomainSocketAddress;

/**
 * containerd's Tasks API over gRPC for what ctr 1.6 cannot send: {@code Tasks.Update} (ctr
 * has no update command), a {@code Tasks.Create} with rootfs mounts the test chooses, and
 * {@code Tasks.List} with a filter. Each call answers with the gRPC status it got, so that
 * tests can compare codes with containerd's.
 */
public final class TasksClient implements AutoCloseable {
    /** The type URL containerd's client gives an OCI LinuxResources (JSON in the Any). */
    public static final String LINUX_RESOURCES = "types.containerd.io/opencontainers/runtime-spec/1/LinuxResources";

    /** A call's outcome: the gRPC status code name ("OK" on success), its description and the reply. */
    public record Reply<T>(String code, String message, T value) {
        public boolean ok() {
            return code.equals("OK");
        }
    }

    private final EpollEventLoopGroup group = new EpollEventLoopGroup(1);
    private final ManagedChannel channel;

    public TasksClient(Path socket) {
        channel = NettyChannelBuilder.forAddress(new DomainSocketAddress(socket.toString())).eventLoopGroup(group)
                .channelType(EpollDomainSocketChannel.class).usePlaintext().build();
    }

    private TasksGrpc.TasksBlockingStub tasks(String namespace) {
        Metadata headers = new Metadata();
        headers.put(Metadata.Key.of("containerd-namespace", Metadata.ASCII_STRING_MARSHALLER), namespace);
        return TasksGrpc.newBlockingStub(channel).withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers))
                .withDeadlineAfter(60, TimeUnit.SECONDS);
    }

    private static <T> Reply<T> call(Function<Void, T> call) {
        try {
            return new Reply<>("OK", "", call.apply(null));
        } catch (StatusRuntimeException e) {
            return new Reply<>(e.getStatus().getCode().name(), String.valueOf(e.getStatus().getDescription()), null);
        }
    }

    /** Tasks.Update with {@code resourcesJson} as a LinuxResources Any (null: no resources at all). */
    public Reply<?> update(String namespace, String id, String resourcesJson) {
        UpdateTaskRequest.Builder b = UpdateTaskRequest.newBuilder().setContainerId(id);
        if (resourcesJson != null) {
            b.setResources(Any.newBuilder().setTypeUrl(LINUX_RESOURCES)
                    .setValue(ByteString.copyFrom(resourcesJson, StandardCharsets.UTF_8)));
        }
        return call(v -> tasks(namespace).update(b.build()));
    }

    /** Tasks.Create of the existing container {@code id} with one rootfs mount. */
    public Reply<?> createWithRootfs(String namespace, String id, String type, String source, List<String> options) {
        return call(v -> tasks(namespace).create(CreateTaskRequest.newBuilder().setContainerId(id)
                .addRootfs(Mount.newBuilder().setType(type).setSource(source).addAllOptions(options)).build()));
    }

    /** The ids Tasks.List returns for {@code filter}. */
    public Reply<List<String>> list(String namespace, String filter) {
        return call(v -> tasks(namespace).list(ListTasksRequest.newBuilder().setFilter(filter).build()).getTasksList()
                .stream().map(t -> t.getId()).toList());
    }

    @Override
    public void close() {
        channel.shutdownNow();
        try {
            channel.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }
}
