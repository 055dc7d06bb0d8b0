package org.containerj.itests.support;

import java.io.ByteArrayInputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

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

import com.google.protobuf.Any;
import com.google.protobuf.Message;

import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.unix.DomainSocketAddress;

/**
 * A client of the daemon's Transfer service on its unix socket, doing what containerd
 * 1.7's client does: a progress stream, streams for archives, the request with the
 * source and destination as Anys, in a namespace.
 */
public final class TransferClient implements AutoCloseable {
    private static final AtomicInteger IDS = new AtomicInteger();
    private static final Metadata.Key<String> NAMESPACE = Metadata.Key.of("containerd-namespace",
            Metadata.ASCII_STRING_MARSHALLER);
    /** Upper bound of one transfer call. */
    public static final long DEADLINE_SECONDS = 300;

    private final EventLoopGroup loop = new EpollEventLoopGroup(1);
    private final ManagedChannel channel;
    private final String namespace;

    public TransferClient(Path socket, String namespace) {
        this.namespace = namespace;
        this.channel = NettyChannelBuilder.forAddress(new DomainSocketAddress(socket.toString()))
                .eventLoopGroup(loop).channelType(EpollDomainSocketChannel.class).usePlaintext()
                .maxInboundMessageSize(16 << 20).build();
    }

    private Metadata headers() {
        Metadata h = new Metadata();
        h.put(NAMESPACE, namespace);
        return h;
    }

    public TransferGrpc.TransferBlockingStub transfer() {
        return TransferGrpc.newBlockingStub(channel).withDeadlineAfter(DEADLINE_SECONDS, TimeUnit.SECONDS)
                .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers()));
    }

    public ClientStream stream(String prefix) {
        return new ClientStream(StreamingGrpc.newStub(channel)
                .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers())), id(prefix));
    }

    private static String id(String prefix) {
        return prefix + "-" + System.nanoTime() + "-" + IDS.incrementAndGet();
    }

    /** The outcome of one transfer: its progress events, and the error (null when it succeeded). */
    public record Outcome(List<Progress> progress, StatusRuntimeException error) {
        public Outcome assertOk() {
            if (error != null) {
                throw new AssertionError("transfer failed: " + error.getStatus() + "\nprogress: " + progress, error);
            }
            return this;
        }

        public boolean has(String event, String name) {
            return progress.stream().anyMatch(p -> p.getEvent().equals(event) && p.getName().equals(name));
        }
    }

    /** Runs one transfer with a progress stream; collects the progress until the daemon closes the stream. */
    public Outcome run(Message source, Message destination) {
        ClientStream progress = stream("progress");
        List<Progress> events = Collections.synchronizedList(new ArrayList<>());
        CompletableFuture<Void> reader = CompletableFuture.runAsync(() -> {
            Any a;
            while ((a = progress.recv()) != null) {
                try {
                    events.add(AnyTypes.unpack(a, Progress.getDefaultInstance()));
                } catch (Exception e) {
                    throw new AssertionError("not a Progress on the progress stream: " + a.getTypeUrl(), e);
                }
            }
        });
        StatusRuntimeException error = null;
        try {
            transfer().transfer(TransferRequest.newBuilder().setSource(AnyTypes.pack(source))
                    .setDestination(AnyTypes.pack(destination))
                    .setOptions(TransferOptions.newBuilder().setProgressStream(progress.id())).build());
        } catch (StatusRuntimeException e) {
            error = e;
        }
        try {
            reader.get(60, TimeUnit.SECONDS);
        } catch (InterruptedException | ExecutionException | TimeoutException e) {
            throw new AssertionError("the progress stream did not end after the transfer", e);
        }
        return new Outcome(List.copyOf(events), error);
    }

    public static OCIRegistry registry(String reference, boolean plainHttp) {
        return OCIRegistry.newBuilder().setReference(reference)
                .setResolver(RegistryResolver.newBuilder().setDefaultScheme(plainHttp ? "http" : "https")).build();
    }

    /** An image store destination naming {@code name}, unpacking into {@code snapshotter} (null: no unpack). */
    public static ImageStore store(String name, String snapshotter) {
        ImageStore.Builder b = ImageStore.newBuilder().setName(name)
                .addPlatforms(org.containerj.proto.types.Platform.newBuilder().setOs("linux")
                        .setArchitecture(OciImageTar.goArch()));
        if (snapshotter != null) {
            b.addUnpacks(UnpackConfiguration.newBuilder().setSnapshotter(snapshotter));
        }
        return b.build();
    }

    /**
     * An OCI registry source or destination whose credentials the daemon asks this client
     * for on an auth stream; the answer is {@code user}/{@code password} for any host.
     * {@code asked} counts the daemon's requests.
     */
    public OCIRegistry registryWithAuth(String reference, String user, String password, AtomicInteger asked) {
        ClientStream auth = stream("creds");
        Thread answering = new Thread(() -> {
            Any a;
            while ((a = auth.recv()) != null) {
                try {
                    AnyTypes.unpack(a, AuthRequest.getDefaultInstance());
                } catch (Exception e) {
                    throw new AssertionError("not an AuthRequest: " + a.getTypeUrl(), e);
                }
                asked.incrementAndGet();
                auth.send(AnyTypes.pack(AuthResponse.newBuilder().setAuthType(AuthType.CREDENTIALS)
                        .setUsername(user).setSecret(password).build()));
            }
        }, "itests-auth-stream");
        answering.setDaemon(true);
        answering.start();
        return OCIRegistry.newBuilder().setReference(reference).setResolver(RegistryResolver.newBuilder()
                .setDefaultScheme("http").setAuthStream(auth.id())).build();
    }

    public Outcome pull(String reference, String name, String snapshotter) {
        return run(registry(reference, true), store(name, snapshotter));
    }

    public Outcome push(String name, String reference) {
        return run(ImageStore.newBuilder().setName(name).build(), registry(reference, true));
    }

    /** Exports the images as the daemon streams the tar back. */
    public byte[] export(String... names) {
        ClientStream out = stream("export");
        CompletableFuture<byte[]> data = CompletableFuture.supplyAsync(() -> {
            try {
                return out.receiveAll();
            } catch (Exception e) {
                throw new AssertionError("receiving the export", e);
            }
        });
        ImageStore.Builder src = ImageStore.newBuilder().setName(names[0]);
        for (int i = 1; i < names.length; i++) {
            src.addExtraReferences(ImageReference.newBuilder().setName(names[i]));
        }
        run(src.build(), ImageExportStream.newBuilder().setStream(out.id()).build()).assertOk();
        try {
            return data.get(60, TimeUnit.SECONDS);
        } catch (InterruptedException | ExecutionException | TimeoutException e) {
            throw new AssertionError("the export stream did not end", e);
        }
    }

    /** Imports a tar, naming the images it names under {@code prefix}; unpacks into {@code snapshotter} unless null. */
    public Outcome importTar(byte[] tar, String prefix, String snapshotter) {
        ClientStream in = stream("import");
        CompletableFuture<Void> sent = CompletableFuture.runAsync(() -> {
            try {
                in.sendAll(new ByteArrayInputStream(tar));
            } catch (Exception e) {
                throw new AssertionError("sending the import", e);
            }
        });
        ImageStore.Builder dst = ImageStore.newBuilder()
                .addExtraReferences(ImageReference.newBuilder().setName(prefix).setIsPrefix(true).setAllowOverwrite(true))
                .addPlatforms(org.containerj.proto.types.Platform.newBuilder().setOs("linux")
                        .setArchitecture(OciImageTar.goArch()));
        if (snapshotter != null) {
            dst.addUnpacks(UnpackConfiguration.newBuilder().setSnapshotter(snapshotter));
        }
        Outcome o = run(ImageImportStream.newBuilder().setStream(in.id()).build(), dst.build());
        try {
            sent.get(60, TimeUnit.SECONDS);
        } catch (InterruptedException | ExecutionException | TimeoutException e) {
            if (o.error() == null) {
                throw new AssertionError("the import stream was not consumed", e);
            }
        }
        return o;
    }

    @Override
    public void close() {
        channel.shutdownNow();
        try {
            channel.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        loop.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }
}
