package org.containerj.transfer.grpc;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.containerj.api.content.Descriptor;
import org.containerj.api.errdefs.ContainerjException;
import org.containerj.api.images.Image;
import org.containerj.api.images.ImageStore;
import org.containerj.api.plugin.PluginProperties;
import org.containerj.api.plugin.PluginTypes;
import org.containerj.api.remotes.RemoteOptions;
import org.containerj.api.transfer.ExportOptions;
import org.containerj.api.transfer.ImageName;
import org.containerj.api.transfer.ImageTransfer;
import org.containerj.api.transfer.ImportOptions;
import org.containerj.api.transfer.Platform;
import org.containerj.api.transfer.Progress;
import org.containerj.api.transfer.ProgressListener;
import org.containerj.api.transfer.PullOptions;
import org.containerj.api.transfer.PushOptions;
import org.containerj.api.transfer.UnpackTarget;
import org.containerj.proto.AnyTypes;
import org.containerj.proto.services.transfer.v1.TransferGrpc;
import org.containerj.proto.services.transfer.v1.TransferRequest;
import org.containerj.proto.types.transfer.ImageExportStream;
import org.containerj.proto.types.transfer.ImageImportStream;
import org.containerj.proto.types.transfer.ImageReference;
import org.containerj.proto.types.transfer.OCIRegistry;
import org.containerj.proto.types.transfer.UnpackConfiguration;
import org.containerj.server.GrpcErrors;
import org.containerj.server.RequestLease;
import org.containerj.server.RequestNamespace;
import org.containerj.transfer.impl.DaemonThreads;
import org.containerj.transfer.impl.TransferPlugin;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.tinylog.Logger;

import com.google.protobuf.Any;
import com.google.protobuf.Empty;
import com.google.protobuf.InvalidProtocolBufferException;

import io.grpc.BindableService;
import io.grpc.Context;
import io.grpc.stub.StreamObserver;

/**
 * {@code containerd.services.transfer.v1.Transfer}: the source and destination Anys name
 * the transfer (registry to image store: pull; image store to registry: push; import
 * stream to image store: import; image store to export stream: export; image store to
 * image store: tag), run by the transfer plugin on a thread of this service; progress,
 * archive data and credentials go over streams of the Streaming service. Canceling the
 * call cancels the transfer. Any other pair is NOT_IMPLEMENTED, as in containerd.
 */
@Component(service = BindableService.class, property = {
        PluginProperties.TYPE + "=" + PluginTypes.GRPC,
        PluginProperties.ID + "=transfer",
        PluginProperties.REQUIRES + "=" + PluginTypes.TRANSFER + ".*",
        PluginProperties.REQUIRES + "=" + StreamManager.PLUGIN_TYPE + ".manager" })
public class TransferService extends TransferGrpc.TransferImplBase {
    private final ImageTransfer transfer;
    private final StreamManager streams;
    private final ImageStore images;
    private final ExecutorService calls;

    @Activate
    public TransferService(
            @Reference(name = "transfer", target = "(" + PluginProperties.ID + "=" + TransferPlugin.ID + ")")
            ImageTransfer transfer, @Reference(name = "streams") StreamManager streams,
            @Reference(name = "images") ImageStore images) {
        this.transfer = transfer;
        this.streams = streams;
        this.images = images;
        this.calls = Executors.newCachedThreadPool(DaemonThreads.named("transfer-call"));
    }

    @Deactivate
    void deactivate() {
        calls.shutdownNow();
    }

    @Override
    public void transfer(TransferRequest request, StreamObserver<Empty> observer) {
        String namespace = RequestNamespace.current();
        String lease = RequestLease.current();
        Future<?> running = calls.submit(() -> {
            try {
                run(namespace, lease, request);
                observer.onNext(Empty.getDefaultInstance());
                observer.onCompleted();
            } catch (Throwable t) {
                if (!(t instanceof ContainerjException)) {
                    Logger.tag("transfer").error(t, "transfer failed");
                }
                try {
                    observer.onError(GrpcErrors.toStatus(t));
                } catch (RuntimeException alreadyGone) {
                    Logger.tag("transfer").debug("transfer call ended before its error: {}", t.getMessage());
                }
            }
        });
        Context.current().addListener(c -> running.cancel(true), Runnable::run);
    }

    void run(String namespace, String lease, TransferRequest request) throws IOException {
        String from = AnyTypes.typeName(request.getSource());
        String to = AnyTypes.typeName(request.getDestination());
        ServerStream progressStream = request.getOptions().getProgressStream().isEmpty() ? null
                : streams.get(namespace, request.getOptions().getProgressStream());
        ProgressListener progress = progressStream == null ? ProgressListener.NONE : p -> send(progressStream, p);
        List<ServerStream> authStreams = new ArrayList<>();
        try {
            Any src = request.getSource();
            Any dst = request.getDestination();
            if (is(src, OCIRegistry.getDescriptor()) && is(dst, store())) {
                pull(namespace, lease, unpack(src, OCIRegistry.getDefaultInstance()),
                        unpack(dst, org.containerj.proto.types.transfer.ImageStore.getDefaultInstance()), progress,
                        authStreams);
            } else if (is(src, store()) && is(dst, OCIRegistry.getDescriptor())) {
                push(namespace, unpack(src, org.containerj.proto.types.transfer.ImageStore.getDefaultInstance()),
                        unpack(dst, OCIRegistry.getDefaultInstance()), progress, authStreams);
            } else if (is(src, store()) && is(dst, ImageExportStream.getDescriptor())) {
                export(namespace, unpack(src, org.containerj.proto.types.transfer.ImageStore.getDefaultInstance()),
                        unpack(dst, ImageExportStream.getDefaultInstance()), progress);
            } else if (is(src, ImageImportStream.getDescriptor()) && is(dst, store())) {
                importArchive(namespace, lease, unpack(src, ImageImportStream.getDefaultInstance()),
                        unpack(dst, org.containerj.proto.types.transfer.ImageStore.getDefaultInstance()), progress);
            } else if (is(src, store()) && is(dst, store())) {
                tag(namespace, unpack(src, org.containerj.proto.types.transfer.ImageStore.getDefaultInstance()),
                        unpack(dst, org.containerj.proto.types.transfer.ImageStore.getDefaultInstance()), progress);
            } else {
                throw ContainerjException.notImplemented("method Transfer not implemented for %s to %s", from, to);
            }
        } finally {
            if (progressStream != null) {
                progressStream.close();
            }
            authStreams.forEach(ServerStream::close);
        }
    }

    private void pull(String namespace, String lease, OCIRegistry registry,
            org.containerj.proto.types.transfer.ImageStore store, ProgressListener progress,
            List<ServerStream> authStreams) {
        List<String> extra = exactNames(store);
        if (store.getName().isEmpty() && extra.isEmpty()) {
            throw ContainerjException.notFound("no image name found: the image store names no image");
        }
        String name = store.getName().isEmpty() ? extra.remove(0) : store.getName();
        List<UnpackTarget> unpacks = new ArrayList<>();
        for (UnpackConfiguration u : store.getUnpacksList()) {
            unpacks.add(new UnpackTarget(u.hasPlatform() && !u.getPlatform().getOs().isEmpty()
                    ? platform(u.getPlatform()) : null, u.getSnapshotter()));
        }
        PullOptions options = PullOptions.defaults().withImageName(name).withLabels(store.getLabelsMap())
                .withPlatforms(platforms(store.getPlatformsList()), store.getPlatformsCount() == 0)
                .withUnpacks(unpacks).withRemote(remote(namespace, registry, authStreams)).withLease(lease);
        Image image = transfer.pull(namespace, registry.getReference(), options, progress);
        for (String n : extra) {
            saveName(namespace, new Image(n, image.labels(), image.target()), progress);
        }
    }

    private void push(String namespace, org.containerj.proto.types.transfer.ImageStore store, OCIRegistry registry,
            ProgressListener progress, List<ServerStream> authStreams) {
        PushOptions options = PushOptions.defaults().withRemote(remote(namespace, registry, authStreams))
                .withPlatforms(platforms(store.getPlatformsList()));
        transfer.push(namespace, store.getName(), registry.getReference(), options, progress);
    }

    private void export(String namespace, org.containerj.proto.types.transfer.ImageStore store,
            ImageExportStream target, ProgressListener progress) throws IOException {
        List<String> names = new ArrayList<>();
        if (!store.getName().isEmpty()) {
            names.add(store.getName());
        }
        for (ImageReference r : store.getExtraReferencesList()) {
            if (r.getIsPrefix()) {
                throw ContainerjException.notImplemented("prefix lookup on export not implemented");
            }
            names.add(r.getName());
        }
        ServerStream stream = streams.get(namespace, target.getStream());
        ExportOptions options = new ExportOptions(platforms(target.getPlatformsList()), target.getAllPlatforms(),
                target.getSkipCompatibilityManifest(), target.getSkipNonDistributable());
        try (OutputStream out = new BufferedOutputStream(BinaryStreams.sender(stream), BinaryStreams.MAX_READ)) {
            transfer.exportArchive(namespace, names, out, options, progress);
        } finally {
            stream.close();
        }
    }

    private void importArchive(String namespace, String lease, ImageImportStream source,
            org.containerj.proto.types.transfer.ImageStore store, ProgressListener progress) throws IOException {
        List<ImageName> names = new ArrayList<>();
        names.add(ImageName.exactly(store.getName()));
        for (ImageReference r : store.getExtraReferencesList()) {
            names.add(new ImageName(r.getName(), r.getIsPrefix(), r.getAllowOverwrite(), r.getAddDigest(),
                    r.getSkipNamedDigest()));
        }
        List<UnpackTarget> unpacks = new ArrayList<>();
        for (UnpackConfiguration u : store.getUnpacksList()) {
            unpacks.add(new UnpackTarget(u.hasPlatform() && !u.getPlatform().getOs().isEmpty()
                    ? platform(u.getPlatform()) : null, u.getSnapshotter()));
        }
        ImportOptions options = new ImportOptions(names, store.getLabelsMap(), platforms(store.getPlatformsList()),
                store.getPlatformsCount() == 0, unpacks, source.getForceCompress(), lease);
        ServerStream stream = streams.get(namespace, source.getStream());
        try (InputStream in = BinaryStreams.receiver(stream)) {
            transfer.importArchive(namespace, in, options, progress);
        } finally {
            stream.close();
        }
    }

    private void tag(String namespace, org.containerj.proto.types.transfer.ImageStore source,
            org.containerj.proto.types.transfer.ImageStore target, ProgressListener progress) {
        Image image = images.get(namespace, source.getName());
        List<String> names = exactNames(target);
        if (!target.getName().isEmpty()) {
            names.add(0, target.getName());
        }
        if (names.isEmpty()) {
            throw ContainerjException.notFound("no image name found: the image store names no image");
        }
        for (String n : names) {
            saveName(namespace, new Image(n, target.getLabelsMap(), image.target()), progress);
        }
    }

    private void saveName(String namespace, Image image, ProgressListener progress) {
        try {
            images.create(namespace, image);
        } catch (ContainerjException e) {
            if (e.kind() != org.containerj.api.errdefs.ErrorKind.ALREADY_EXISTS) {
                throw e;
            }
            images.update(namespace, image, List.of());
        }
        progress.progress(Progress.of("saved", image.name()));
    }

    /** The complete (non-prefix) extra references, digests added where asked. */
    private static List<String> exactNames(org.containerj.proto.types.transfer.ImageStore store) {
        List<String> names = new ArrayList<>();
        for (ImageReference r : store.getExtraReferencesList()) {
            if (!r.getIsPrefix() && !r.getName().isEmpty()) {
                names.add(r.getName());
            }
        }
        return names;
    }

    /**
     * Plain http for {@code default_scheme = "http"}; credentials through the auth stream,
     * when there is one (added to {@code authStreams}, closed when the transfer ends); the
     * resolver's hosts directory and headers.
     */
    private RemoteOptions remote(String namespace, OCIRegistry registry, List<ServerStream> authStreams) {
        var resolver = registry.getResolver();
        AuthCallback auth = null;
        if (!resolver.getAuthStream().isEmpty()) {
            ServerStream stream = streams.get(namespace, resolver.getAuthStream());
            authStreams.add(stream);
            auth = new AuthCallback(stream, registry.getReference());
        }
        Map<String, List<String>> headers = new LinkedHashMap<>();
        resolver.getHeadersMap().forEach((k, v) -> headers.put(k, List.of(v)));
        return new RemoteOptions(auth, "http".equals(resolver.getDefaultScheme()), false, null,
                resolver.getHostDir().isEmpty() ? null : resolver.getHostDir(), headers);
    }

    private static List<Platform> platforms(List<org.containerj.proto.types.Platform> in) {
        return in.stream().map(TransferService::platform).toList();
    }

    private static Platform platform(org.containerj.proto.types.Platform p) {
        return new Platform(p.getOs(), p.getArchitecture(), p.getVariant());
    }

    private static void send(ServerStream stream, Progress p) {
        org.containerj.proto.types.transfer.Progress.Builder b = org.containerj.proto.types.transfer.Progress
                .newBuilder().setEvent(p.event()).setName(p.name()).addAllParents(p.parents())
                .setProgress(p.progress()).setTotal(p.total());
        Descriptor d = p.descriptor();
        if (d != null) {
            b.setDesc(org.containerj.proto.types.Descriptor.newBuilder().setMediaType(d.mediaType())
                    .setDigest(d.digest().toString()).setSize(d.size()).putAllAnnotations(d.annotations()));
        }
        try {
            stream.send(AnyTypes.pack(b.build()));
        } catch (ContainerjException e) {
            // the client stopped listening: the transfer goes on
        }
    }

    private static com.google.protobuf.Descriptors.Descriptor store() {
        return org.containerj.proto.types.transfer.ImageStore.getDescriptor();
    }

    private static boolean is(Any any, com.google.protobuf.Descriptors.Descriptor type) {
        return AnyTypes.is(any, type);
    }

    private static <T extends com.google.protobuf.Message> T unpack(Any any, T type) {
        try {
            return AnyTypes.unpack(any, type);
        } catch (InvalidProtocolBufferException e) {
            throw ContainerjException.invalidArgument("malformed %s: %s", type.getDescriptorForType().getFullName(),
                    e.getMessage());
        }
    }
}
