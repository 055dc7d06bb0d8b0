package org.containerj.itests.support;

import java.net.UnixDomainSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.containerj.proto.services.content.v1.ContentGrpc;
import org.containerj.proto.services.content.v1.WriteAction;
import org.containerj.proto.services.content.v1.WriteContentRequest;
import org.containerj.proto.services.content.v1.WriteContentResponse;
import org.containerj.proto.services.leases.v1.AddResourceRequest;
import org.containerj.proto.services.leases.v1.LeasesGrpc;
import org.containerj.proto.services.leases.v1.Resource;

import com.google.protobuf.ByteString;

import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.AbstractStub;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioDomainSocketChannel;

/**
 * A containerd API client for the calls Debian's ctr 1.6 cannot make: ctr has no way to
 * run a command in a lease (no flag, no environment variable), so writing content that a
 * lease holds takes a client that sends containerd's {@code containerd-lease} header, as
 * containerd's Go client does inside a pull. Works against containerd as well as
 * containerj (any socket given). Every call is bounded by {@link #TIMEOUT}.
 */
public final class ApiClient implements AutoCloseable {
    public static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final Metadata.Key<String> NAMESPACE = Metadata.Key.of("containerd-namespace",
            Metadata.ASCII_STRING_MARSHALLER);
    private static final Metadata.Key<String> LEASE = Metadata.Key.of("containerd-lease",
            Metadata.ASCII_STRING_MARSHALLER);

    private final EventLoopGroup loop;
    private final ManagedChannel channel;

    private ApiClient(Path socket) {
        this.loop = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        this.channel = NettyChannelBuilder.forAddress(UnixDomainSocketAddress.of(socket))
                .channelType(NioDomainSocketChannel.class)
                .eventLoopGroup(loop)
                .usePlaintext()
                .build();
    }

    /** A client of the containerd API on {@code socket}. */
    public static ApiClient connect(Path socket) {
        return new ApiClient(socket);
    }

    private <S extends AbstractStub<S>> S in(S stub, String namespace, String lease) {
        Metadata headers = new Metadata();
        headers.put(NAMESPACE, namespace);
        if (lease != null) {
            headers.put(LEASE, lease);
        }
        return stub.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers))
                .withDeadlineAfter(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    }

    /**
     * Writes {@code data} through {@code Content.Write} as ingest {@code ref} of
     * {@code namespace}, in {@code lease} (or none when null), and commits it with its
     * digest and size; returns the digest.
     *
     * @throws StatusRuntimeException with the daemon's status when it refuses
     */
    public String writeBlob(String namespace, String lease, String ref, byte[] data) {
        String digest = OciImageTar.sha256(data);
        List<WriteContentResponse> responses = new ArrayList<>();
        CompletableFuture<Void> done = new CompletableFuture<>();
        StreamObserver<WriteContentRequest> requests = in(ContentGrpc.newStub(channel), namespace, lease)
                .write(new StreamObserver<>() {
                    @Override
                    public void onNext(WriteContentResponse value) {
                        responses.add(value);
                    }

                    @Override
                    public void onError(Throwable t) {
                        done.completeExceptionally(t);
                    }

                    @Override
                    public void onCompleted() {
                        done.complete(null);
                    }
                });
        requests.onNext(WriteContentRequest.newBuilder().setAction(WriteAction.WRITE).setRef(ref)
                .setTotal(data.length).setExpected(digest).setData(ByteString.copyFrom(data)).build());
        requests.onNext(WriteContentRequest.newBuilder().setAction(WriteAction.COMMIT).setRef(ref)
                .setTotal(data.length).setExpected(digest).setOffset(data.length).build());
        requests.onCompleted();
        await(done, "Content.Write of " + ref);
        WriteContentResponse last = responses.get(responses.size() - 1);
        if (last.getAction() != WriteAction.COMMIT || !digest.equals(last.getDigest())) {
            throw new AssertionError("Content.Write of " + ref + " did not commit " + digest + ": " + responses);
        }
        return digest;
    }

    /** {@code Leases.AddResource}: makes {@code lease} hold the resource {@code type} {@code id}. */
    public void addLeaseResource(String namespace, String lease, String type, String id) {
        in(LeasesGrpc.newBlockingStub(channel), namespace, null).addResource(AddResourceRequest.newBuilder()
                .setId(lease).setResource(Resource.newBuilder().setId(id).setType(type)).build());
    }

    private static void await(CompletableFuture<Void> done, String what) {
        try {
            done.get(TIMEOUT.toMillis() + 5000, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof StatusRuntimeException s) {
                throw s;
            }
            throw new AssertionError(what + " failed", e.getCause());
        } catch (TimeoutException e) {
            throw new AssertionError(what + " did not finish within " + TIMEOUT.toSeconds() + " s", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    @Override
    public void close() {
        channel.shutdownNow();
        try {
            channel.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
