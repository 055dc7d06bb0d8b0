package org.containerj.transfer.impl;

import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.function.Supplier;

import org.containerj.api.content.ContentStore;
import org.containerj.api.content.Descriptor;
import org.containerj.api.errdefs.ContainerjException;
import org.containerj.api.errdefs.ErrorKind;
import org.containerj.api.images.Image;
import org.containerj.api.images.ImageStore;
import org.containerj.api.remotes.ImageReference;
import org.containerj.api.remotes.Pusher;
import org.containerj.api.remotes.RemoteOptions;
import org.containerj.api.remotes.Resolved;
import org.containerj.api.remotes.Resolver;
import org.containerj.api.snapshots.Snapshotter;
import org.containerj.api.transfer.ExportOptions;
import org.containerj.api.transfer.ImageName;
import org.containerj.api.transfer.ImageTransfer;
import org.containerj.api.transfer.ImportOptions;
import org.containerj.api.transfer.Platform;
import org.containerj.api.transfer.ProgressListener;
import org.containerj.api.transfer.PullOptions;
import org.containerj.api.transfer.PushOptions;
import org.containerj.api.transfer.UnpackTarget;
import org.tinylog.Logger;

/**
 * containerd's local transfer service: pull, push, import and export on the plugins of
 * {@link TransferServices}, each under its lease, with its tasks on {@code pool}.
 */
public final class LocalTransfer implements ImageTransfer {
    private final TransferServices services;
    private final Executor pool;
    private final StallWatch stalls;
    private final Supplier<TransferSettings> settings;
    private final KeyedLocks locks = new KeyedLocks();

    public LocalTransfer(TransferServices services, Executor pool, StallWatch stalls,
            Supplier<TransferSettings> settings) {
        this.services = services;
        this.pool = pool;
        this.stalls = stalls;
        this.settings = settings;
    }

    @Override
    public Image pull(String namespace, String reference, PullOptions options, ProgressListener listener) {
        TransferSettings config = settings.get();
        ProgressReporter progress = new ProgressReporter(listener);
        Resolver resolver = services.resolver();
        ImageReference ref = resolver.parse(reference);
        String name = options.imageName().isEmpty() ? ref.toString() : options.imageName();
        ImageStore images = services.images();
        RemoteOptions remote = withStallTimeout(options.remote(), config);
        String source = "OCI Registry (" + ref + ")";
        try (TransferLease lease = TransferLease.acquire(services.leases(), services.gc(), namespace, options.lease(),
                config.leaseExpiry())) {
            ContentStore content = services.content().forNamespace(namespace, lease.id());
            List<UnpackPlan> plans = plans(namespace, lease.id(), options.unpacks(), config);
            progress.event("Resolving from " + source, "");
            Resolved resolved = watched("resolving " + ref, config, () -> resolver.resolve(ref, remote));
            Descriptor root = resolved.descriptor();
            if (MediaTypes.DOCKER_SCHEMA1_MANIFEST.equals(root.mediaType())) {
                throw ContainerjException.invalidArgument("schema 1 image manifests are no longer supported: %s", ref);
            }
            progress.event("Pulling from " + source, "");
            progress.event("fetching image content", name);
            var fetcher = resolver.fetcher(resolved.reference(), remote);
            Job job = new Job(pool, "pull " + ref,
                    options.maxConcurrentDownloads() > 0 ? options.maxConcurrentDownloads() : config.maxConcurrentDownloads());
            ContentFetcher blobs = new ContentFetcher(content, fetcher::fetch, locks, namespace, job, stalls,
                    config.watchTimeout());
            ImageWalk walk = new ImageWalk(content, blobs, PlatformMatcher.of(options.platforms(), options.allPlatforms()),
                    plans, job, progress, new Unpacker(namespace, content, job, locks, progress, config.maxConcurrentUnpacks()),
                    resolved.reference().host(), resolved.reference().repository());
            walk.walk(root, name);
            Image image = ImageRecords.save(images, namespace,
                    new Image(name, options.labels(), new Descriptor(root.mediaType(), root.digest(), root.size(),
                            root.annotations(), root.urls())));
            progress.event("saved", image.name());
            progress.event("Completed pull from " + source, "");
            Logger.tag("transfer").info("pulled {} as {} in {}", ref, name, namespace);
            return image;
        }
    }

    @Override
    public Descriptor push(String namespace, String imageName, String reference, PushOptions options,
            ProgressListener listener) {
        TransferSettings config = settings.get();
        ProgressReporter progress = new ProgressReporter(listener);
        Image image = services.images().get(namespace, imageName);
        Resolver resolver = services.resolver();
        ImageReference ref = resolver.parse(reference);
        RemoteOptions remote = withStallTimeout(options.remote(), config);
        String target = "OCI Registry (" + ref + ")";
        ContentStore content = services.content().forNamespace(namespace);
        progress.event("Pushing to " + target, "");
        progress.event("pushing content", image.name());
        Pusher pusher = resolver.pusher(ref, remote);
        Job job = new Job(pool, "push " + ref,
                options.maxConcurrentUploads() > 0 ? options.maxConcurrentUploads() : config.maxConcurrentUploads());
        PlatformMatcher platforms = options.platforms().isEmpty() ? PlatformMatcher.all()
                : PlatformMatcher.ordered(options.platforms());
        new ImagePusher(content, pusher, ref, platforms, job, progress).push(image.target(), image.name());
        progress.event("pushed content", image.name());
        progress.event("Completed push to " + target, "");
        Logger.tag("transfer").info("pushed {} of {} to {}", imageName, namespace, ref);
        return image.target();
    }

    @Override
    public List<Image> importArchive(String namespace, InputStream archive, ImportOptions options,
            ProgressListener listener) {
        TransferSettings config = settings.get();
        ProgressReporter progress = new ProgressReporter(listener);
        ImageStore images = services.images();
        List<ImageName> rules = options.names().isEmpty() ? ImageNaming.defaults() : options.names();
        try (TransferLease lease = TransferLease.acquire(services.leases(), services.gc(), namespace, options.lease(),
                config.leaseExpiry())) {
            ContentStore content = services.content().forNamespace(namespace, lease.id());
            List<UnpackPlan> plans = plans(namespace, lease.id(), options.unpacks(), config);
            progress.event("Importing", "");
            Job job = new Job(pool, "import", config.maxConcurrentDownloads());
            Descriptor index = new ArchiveImporter(content, options.compressLayers(), job).importIndex(archive);
            ImageJson.Index parsed = ImageJson.index(index, ContentBlobs.read(content, index));
            ContentFetcher present = new ContentFetcher(content, BlobSource.NONE, locks, namespace, job, stalls,
                    config.watchTimeout());
            ImageWalk walk = new ImageWalk(content, present,
                    PlatformMatcher.of(options.platforms(), options.allPlatforms()), plans, job, progress,
                    new Unpacker(namespace, content, job, locks, progress, config.maxConcurrentUnpacks()), null, null);
            List<ImageJson.Child> kept = walk.walkChildren(index, parsed.manifests());

            Map<String, Image> named = new LinkedHashMap<>();
            for (String n : ImageNaming.forIndex(rules, index)) {
                named.put(n, new Image(n, options.labels(), index));
            }
            for (ImageJson.Child c : kept) {
                for (String n : ImageNaming.forManifest(rules, c.descriptor())) {
                    named.put(n, new Image(n, options.labels(), c.descriptor()));
                }
            }
            List<Image> saved = new ArrayList<>();
            for (Image i : named.values()) {
                Image s = ImageRecords.save(images, namespace, i);
                saved.add(s);
                progress.event("saved", s.name());
            }
            if (saved.isEmpty()) {
                Logger.tag("transfer").info("import into {}: no image got a name ({} manifests)", namespace,
                        kept.size());
            }
            progress.event("Completed import", "");
            return saved;
        }
    }

    @Override
    public void exportArchive(String namespace, List<String> imageNames, OutputStream out, ExportOptions options,
            ProgressListener listener) {
        ProgressReporter progress = new ProgressReporter(listener);
        if (imageNames.isEmpty()) {
            throw ContainerjException.invalidArgument("no image to export");
        }
        ImageStore images = services.images();
        List<Image> found = new ArrayList<>();
        for (String n : imageNames) {
            found.add(images.get(namespace, n));
        }
        progress.event("Exporting", "");
        new ArchiveExporter(services.content().forNamespace(namespace), options).export(found, out);
        progress.event("Completed export", "");
    }

    /** The unpacks asked for, checked now (snapshotter and differ there) rather than after the download. */
    private List<UnpackPlan> plans(String namespace, String lease, List<UnpackTarget> targets, TransferSettings config) {
        List<UnpackPlan> plans = new ArrayList<>();
        for (UnpackTarget t : targets) {
            String snapshotter = t.snapshotter().isEmpty() ? config.defaultSnapshotter() : t.snapshotter();
            Platform platform = t.platform() == null || t.platform().os().isEmpty() ? Platforms.host() : t.platform();
            Snapshotter view = services.snapshots().forNamespace(snapshotter, namespace, lease);
            try {
                view.stat("sha256:" + "0".repeat(64)); // INVALID_ARGUMENT or UNAVAILABLE for a snapshotter not there
            } catch (ContainerjException e) {
                if (e.kind() != ErrorKind.NOT_FOUND) {
                    throw e;
                }
            }
            plans.add(new UnpackPlan(PlatformMatcher.only(platform), snapshotter, view, services.applier()));
        }
        return plans;
    }

    /** The configured stall timeout for the registry client, unless the request has its own (or none is configured). */
    private static RemoteOptions withStallTimeout(RemoteOptions remote, TransferSettings config) {
        if (remote.stallTimeout() != null || config.stallTimeout() == null) {
            return remote;
        }
        return remote.withStallTimeout(config.stallTimeout());
    }

    /** Runs a registry call on this thread, interrupting it when it hangs longer than the stall timeout. */
    private <T> T watched(String what, TransferSettings config, Supplier<T> call) {
        Thread self = Thread.currentThread();
        Duration timeout = config.watchTimeout();
        try (StallWatch.Watch w = stalls.watch(timeout, self::interrupt)) {
            try {
                return call.get();
            } catch (RuntimeException e) {
                if (w.stalled()) {
                    Thread.interrupted();
                    throw new ContainerjException(ErrorKind.DEADLINE_EXCEEDED,
                            what + ": no answer for " + timeout.toSeconds() + " s", e);
                }
                throw e;
            } finally {
                if (w.stalled()) {
                    Thread.interrupted();
                }
            }
        }
    }
}
