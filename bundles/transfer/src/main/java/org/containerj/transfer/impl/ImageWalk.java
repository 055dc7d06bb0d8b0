package org.containerj.transfer.impl;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.containerj.api.content.ContentStore;
import org.containerj.api.content.Descriptor;
import org.containerj.api.errdefs.ContainerjException;
import org.containerj.api.transfer.Platform;

/**
 * The one pipeline pull and import share: walks an image from its root, fetching what the
 * content store lacks from a {@link BlobSource} (a registry; nothing for an archive whose
 * blobs were imported already), keeping the manifests of an index that the platform
 * matcher accepts, labelling each parent with its children as containerd does (so that
 * the image, once named, holds them all), recording the registry repository a blob came
 * from, and unpacking manifests whose platform an {@link UnpackPlan} accepts while their
 * layers download. Children are handled in parallel on the job's pool; fetches take one
 * of the job's download slots each.
 */
final class ImageWalk {
    private final ContentStore content;
    private final ContentFetcher fetcher;
    private final PlatformMatcher matcher;
    private final List<UnpackPlan> unpacks;
    private final Job job;
    private final ProgressReporter progress;
    private final Unpacker unpacker;
    /** Registry host and repository for {@code containerd.io/distribution.source.<host>}; null for none. */
    private final String sourceHost;
    private final String sourceRepository;

    ImageWalk(ContentStore content, ContentFetcher fetcher, PlatformMatcher matcher, List<UnpackPlan> unpacks, Job job,
            ProgressReporter progress, Unpacker unpacker, String sourceHost, String sourceRepository) {
        this.content = content;
        this.fetcher = fetcher;
        this.matcher = matcher;
        this.unpacks = List.copyOf(unpacks);
        this.job = job;
        this.progress = progress;
        this.unpacker = unpacker;
        this.sourceHost = sourceHost;
        this.sourceRepository = sourceRepository;
    }

    /** Walks the image from {@code root} (its progress parent is {@code rootName}); returns once everything is done. */
    void walk(Descriptor root, String rootName) {
        job.submit(() -> {
            handle(root, List.of(rootName));
            return null;
        });
        job.awaitAll();
    }

    /**
     * Walks the children of a root that is already in the store (an archive's index),
     * those of {@code children} the matcher keeps, and returns them.
     */
    List<ImageJson.Child> walkChildren(Descriptor root, List<ImageJson.Child> children) {
        List<ImageJson.Child> kept = filter(children);
        ContentBlobs.label(content, root.digest(), GcLabels.forChildren(descriptors(kept)));
        for (ImageJson.Child c : kept) {
            job.submit(() -> {
                handle(c.descriptor(), ContentFetcher.parents(root));
                return null;
            });
        }
        job.awaitAll();
        return kept;
    }

    private void handle(Descriptor d, List<String> parents) throws Exception {
        String type = d.mediaType();
        if (MediaTypes.DOCKER_SCHEMA1_MANIFEST.equals(type)) {
            throw ContainerjException.invalidArgument("schema 1 image manifests are no longer supported: %s", d.digest());
        }
        fetch(d, parents);
        if (MediaTypes.isIndex(type)) {
            ImageJson.Index index = ImageJson.index(d, fetcher.read(d));
            List<ImageJson.Child> kept = filter(index.manifests());
            ContentBlobs.label(content, d.digest(), GcLabels.forChildren(descriptors(kept)));
            for (ImageJson.Child c : kept) {
                job.submit(() -> {
                    handle(c.descriptor(), ContentFetcher.parents(d));
                    return null;
                });
            }
        } else if (MediaTypes.isManifest(type)) {
            handleManifest(d);
        }
    }

    private void handleManifest(Descriptor d) throws Exception {
        ImageJson.Manifest m = ImageJson.manifest(d, fetcher.read(d));
        List<Descriptor> children = new ArrayList<>();
        children.add(m.config());
        children.addAll(m.layers());
        ContentBlobs.label(content, d.digest(), GcLabels.forChildren(children));
        List<String> parents = ContentFetcher.parents(d);
        fetch(m.config(), parents);
        ImageJson.Config config = MediaTypes.isConfig(m.config().mediaType())
                ? ImageJson.config(m.config(), fetcher.read(m.config())) : null;
        List<Job.Task<Void>> layers = new ArrayList<>();
        for (Descriptor layer : m.layers()) {
            layers.add(job.submit(() -> {
                fetch(layer, parents);
                return null;
            }));
        }
        UnpackPlan plan = config == null ? null : planFor(config.platform());
        if (plan != null) {
            unpacker.unpack(plan, m.config(), config, m.layers(), layers);
        }
    }

    private UnpackPlan planFor(Platform platform) {
        Platform normalized = Platforms.normalize(platform);
        for (UnpackPlan p : unpacks) {
            if (p.platform().matches(normalized)) {
                return p;
            }
        }
        return null;
    }

    private void fetch(Descriptor d, List<String> parents) throws Exception {
        ProgressReporter.Blob p = progress.blob(d, parents, "downloading");
        fetcher.fetch(d, p);
        recordSource(d);
    }

    /** Adds the repository to the blob's {@code containerd.io/distribution.source.<host>} label. */
    private void recordSource(Descriptor d) {
        if (sourceHost == null) {
            return;
        }
        String key = GcLabels.DISTRIBUTION_SOURCE_PREFIX + sourceHost;
        String current = content.info(d.digest()).labels().get(key);
        String updated = GcLabels.addSource(current, sourceRepository);
        if (!updated.equals(current)) {
            ContentBlobs.label(content, d.digest(), Map.of(key, updated));
        }
    }

    /** The children the matcher keeps (those without a platform always), in the index's order. */
    private List<ImageJson.Child> filter(List<ImageJson.Child> children) {
        List<ImageJson.Child> kept = new ArrayList<>();
        for (ImageJson.Child c : children) {
            if (c.platform() == null || matcher.matches(c.platform())) {
                kept.add(c);
            }
        }
        return kept;
    }

    static List<Descriptor> descriptors(List<ImageJson.Child> children) {
        return children.stream().map(ImageJson.Child::descriptor).toList();
    }
}
