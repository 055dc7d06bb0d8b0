package org.containerj.transfer.impl;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.containerj.api.content.ContentInfo;
import org.containerj.api.content.ContentStore;
import org.containerj.api.content.Descriptor;
import org.containerj.api.content.Digest;
import org.containerj.api.errdefs.ContainerjException;
import org.containerj.api.errdefs.ErrorKind;
import org.containerj.api.remotes.ImageReference;
import org.containerj.api.remotes.Pusher;

/**
 * Pushes an image's tree from its target: configs and layers first, in parallel on the
 * job's slots (each mounted from another repository of the same registry when its
 * {@code containerd.io/distribution.source.<host>} label names one, uploaded otherwise,
 * skipped when the registry has it), then the manifests of an index by digest, then the
 * root under the reference's tag (or digest). The registry never sees a manifest before
 * what it references.
 */
final class ImagePusher {
    private final ContentStore content;
    private final Pusher pusher;
    private final ImageReference target;
    private final PlatformMatcher platforms;
    private final Job job;
    private final ProgressReporter progress;

    ImagePusher(ContentStore content, Pusher pusher, ImageReference target, PlatformMatcher platforms, Job job,
            ProgressReporter progress) {
        this.content = content;
        this.pusher = pusher;
        this.target = target;
        this.platforms = platforms;
        this.job = job;
        this.progress = progress;
    }

    /** What to push: blobs, and manifests in the order they may be pushed (children first). */
    private record Plan(Map<Digest, Descriptor> blobs, Map<Digest, Descriptor> manifests,
            Map<Digest, List<String>> parents) {
    }

    void push(Descriptor root, String imageName) {
        Plan plan = new Plan(new LinkedHashMap<>(), new LinkedHashMap<>(), new LinkedHashMap<>());
        collect(root, List.of(imageName), plan);
        for (Descriptor blob : plan.blobs.values()) {
            job.submit(() -> {
                pushBlob(blob, plan.parents.get(blob.digest()));
                return null;
            });
        }
        job.awaitAll();
        for (Descriptor m : plan.manifests.values()) {
            job.checkNotFailed();
            boolean isRoot = m.digest().equals(root.digest());
            String tagOrDigest = isRoot ? rootObject() : m.digest().toString();
            ProgressReporter.Blob p = progress.blob(m, plan.parents.get(m.digest()), "uploading");
            if (!isRoot && pusher.exists(m)) {
                p.exists();
                continue;
            }
            pusher.pushManifest(m, ContentBlobs.read(content, m), tagOrDigest);
            p.complete();
        }
    }

    private String rootObject() {
        if (target.tag() != null) {
            return target.tag();
        }
        return target.digest() != null ? target.digest() : "latest";
    }

    /** Walks the tree, children before parents in {@code manifests}. */
    private void collect(Descriptor d, List<String> parents, Plan plan) {
        if (plan.manifests.containsKey(d.digest()) || plan.blobs.containsKey(d.digest())) {
            return;
        }
        List<String> childParents = List.of(MediaTypes.refKey(d));
        if (MediaTypes.isIndex(d.mediaType())) {
            ImageJson.Index index = ImageJson.index(d, ContentBlobs.read(content, d));
            for (ImageJson.Child c : index.manifests()) {
                if (c.platform() == null || platforms.matches(c.platform())) {
                    collect(c.descriptor(), childParents, plan);
                }
            }
            plan.manifests.put(d.digest(), d);
        } else if (MediaTypes.isManifest(d.mediaType())) {
            ImageJson.Manifest m = ImageJson.manifest(d, ContentBlobs.read(content, d));
            collect(m.config(), childParents, plan);
            for (Descriptor l : m.layers()) {
                collect(l, childParents, plan);
            }
            plan.manifests.put(d.digest(), d);
        } else {
            ContentInfo info = content.info(d.digest()); // NOT_FOUND before anything is pushed
            if (info.size() != d.size()) {
                throw ContainerjException.failedPrecondition("content %s is %d bytes, its descriptor says %d",
                        d.digest(), info.size(), d.size());
            }
            plan.blobs.put(d.digest(), d);
        }
        plan.parents.put(d.digest(), parents);
    }

    private void pushBlob(Descriptor d, List<String> parents) throws Exception {
        ProgressReporter.Blob p = progress.blob(d, parents, "uploading");
        job.withDownloadSlot(() -> {
            if (pusher.exists(d)) {
                p.exists();
                return null;
            }
            String mountFrom = mountSource(d);
            boolean mounted = pusher.pushBlob(d, () -> counting(d, p), mountFrom);
            if (mounted) {
                progress.emit(new org.containerj.api.transfer.Progress("mounted", p.name(), parents, d.size(),
                        d.size(), d));
            }
            p.complete();
            return null;
        });
    }

    /** Another repository of the target's registry that has the blob, from the content's labels; null for none. */
    private String mountSource(Descriptor d) {
        String repos = content.info(d.digest()).labels().get(GcLabels.DISTRIBUTION_SOURCE_PREFIX + target.host());
        if (repos == null) {
            return null;
        }
        for (String r : repos.split(",")) {
            if (!r.isEmpty() && !r.equals(target.repository())) {
                return r;
            }
        }
        return null;
    }

    private InputStream counting(Descriptor d, ProgressReporter.Blob p) {
        InputStream in = ContentBlobs.open(content, d.digest());
        return new FilterInputStream(in) {
            private long n;

            @Override
            public int read() throws IOException {
                int b = super.read();
                if (b >= 0) {
                    p.moved(++n);
                }
                return b;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                if (job.failure() != null) {
                    throw new IOException(new ContainerjException(ErrorKind.CANCELED, "push canceled"));
                }
                int r = super.read(b, off, len);
                if (r > 0) {
                    n += r;
                    p.moved(n);
                }
                return r;
            }
        };
    }
}
