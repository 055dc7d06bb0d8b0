package org.containerj.transfer.impl;

import java.security.SecureRandom;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.containerj.api.content.ContentStore;
import org.containerj.api.content.Descriptor;
import org.containerj.api.content.Digest;
import org.containerj.api.errdefs.ContainerjException;
import org.containerj.api.errdefs.ErrorKind;
import org.containerj.api.mount.Mount;
import org.containerj.api.snapshots.Snapshotter;
import org.tinylog.Logger;

/**
 * Unpacks the layers of one manifest into chain-id-named snapshots, in order, as each
 * layer's bytes arrive (later layers keep downloading meanwhile). A layer whose chain id
 * is already a snapshot is not applied again. Each other layer is applied by the differ
 * onto an active snapshot {@code extract-<random>-<chainID>} prepared on the parent chain,
 * its diff id checked against the config's {@code rootfs.diff_ids}, and committed as the
 * chain id (someone else committing it first is fine). On any failure the active
 * snapshot is removed: no half-written snapshot is left.
 */
final class Unpacker {
    /** Marks a snapshot made for a chain id (the metadata snapshotter checks it exists). */
    static final String SNAPSHOT_REF_LABEL = "containerd.io/snapshot.ref";
    private static final String INHERITED_PREFIX = "containerd.io/snapshot/";
    private static final SecureRandom RANDOM = new SecureRandom();

    private final String namespace;
    private final ContentStore content;
    private final Job job;
    private final KeyedLocks locks;
    private final ProgressReporter progress;

    Unpacker(String namespace, ContentStore content, Job job, KeyedLocks locks, ProgressReporter progress) {
        this.namespace = namespace;
        this.content = content;
        this.job = job;
        this.locks = locks;
        this.progress = progress;
    }

    /**
     * Unpacks {@code layers} (whose fetches are {@code fetches}, same order) of the image
     * configured by {@code config}; labels the layers with their uncompressed digests and
     * the config with the top snapshot. Returns the top chain id (null for an image without layers).
     */
    Digest unpack(UnpackPlan plan, Descriptor config, ImageJson.Config image, List<Descriptor> layers,
            List<Job.Task<Void>> fetches) throws InterruptedException {
        List<Digest> diffIds = image.diffIds();
        if (layers.size() != diffIds.size()) {
            throw ContainerjException.invalidArgument("number of layers and diffIDs don't match: %d != %d",
                    layers.size(), diffIds.size());
        }
        if (layers.isEmpty()) {
            return null; // nothing to unpack, as containerd skips such images
        }
        List<Digest> chain = ChainIds.of(diffIds);
        Snapshotter snapshots = plan.snapshots();
        for (int i = 0; i < layers.size(); i++) {
            job.checkNotFailed();
            String parent = i == 0 ? "" : chain.get(i - 1).toString();
            String chainId = chain.get(i).toString();
            try (KeyedLocks.Held held = locks.lock(namespace + "/snapshot/" + plan.snapshotterName() + "/" + chainId)) {
                if (exists(snapshots, chainId)) {
                    Logger.tag("transfer").debug("{}: layer {} already unpacked as {}", plan.snapshotterName(),
                            layers.get(i).digest(), chainId);
                    continue;
                }
                unpackLayer(plan, layers.get(i), diffIds.get(i), parent, chainId, fetches.get(i));
            }
        }
        Digest top = chain.get(chain.size() - 1);
        ContentBlobs.label(content, config.digest(), GcLabels.snapshot(plan.snapshotterName(), top));
        return top;
    }

    private void unpackLayer(UnpackPlan plan, Descriptor layer, Digest diffId, String parent, String chainId,
            Job.Task<Void> fetch) {
        Snapshotter snapshots = plan.snapshots();
        Map<String, String> labels = new HashMap<>();
        layer.annotations().forEach((k, v) -> {
            if (k.startsWith(INHERITED_PREFIX)) {
                labels.put(k, v);
            }
        });
        labels.put(SNAPSHOT_REF_LABEL, chainId);
        String key = null;
        List<Mount> mounts = null;
        for (int attempt = 1; attempt <= 3 && key == null; attempt++) {
            String candidate = "extract-" + uniquePart() + "-" + chainId;
            try {
                mounts = snapshots.prepare(candidate, parent, labels);
                key = candidate;
            } catch (ContainerjException e) {
                if (e.kind() != ErrorKind.ALREADY_EXISTS) {
                    throw new ContainerjException(e.kind(),
                            "failed to prepare extraction snapshot \"" + candidate + "\": " + e.getMessage(), e);
                }
                if (exists(snapshots, chainId)) {
                    return; // unpacked meanwhile by someone else
                }
            }
        }
        if (key == null) {
            throw ContainerjException.alreadyExists("unable to prepare extraction snapshot for %s", chainId);
        }
        boolean committed = false;
        try {
            job.await(fetch);
            progress.about("extracting", layer);
            Descriptor applied = plan.applier().apply(namespace, layer, mounts, Map.of());
            if (!diffId.equals(applied.digest())) {
                throw ContainerjException.failedPrecondition(
                        "wrong diff id calculated on extraction of %s: %s, the config says %s", layer.digest(),
                        applied.digest(), diffId);
            }
            try {
                snapshots.commit(chainId, key, labels);
                committed = true;
            } catch (ContainerjException e) {
                if (e.kind() != ErrorKind.ALREADY_EXISTS) {
                    throw new ContainerjException(e.kind(),
                            "failed to commit snapshot " + key + ": " + e.getMessage(), e);
                }
            }
            ContentBlobs.label(content, layer.digest(), Map.of(GcLabels.UNCOMPRESSED, diffId.toString()));
            progress.about("extracted", layer);
        } finally {
            if (!committed) {
                removeQuietly(snapshots, key);
            }
        }
    }

    private static boolean exists(Snapshotter snapshots, String key) {
        try {
            snapshots.stat(key);
            return true;
        } catch (ContainerjException e) {
            if (e.kind() == ErrorKind.NOT_FOUND) {
                return false;
            }
            throw e;
        }
    }

    /** Removes an extraction snapshot, also from a task being canceled (the interrupt is kept for after). */
    private static void removeQuietly(Snapshotter snapshots, String key) {
        boolean interrupted = Thread.interrupted();
        try {
            snapshots.remove(key);
        } catch (ContainerjException e) {
            if (e.kind() != ErrorKind.NOT_FOUND) {
                Logger.tag("transfer").warn("cannot remove extraction snapshot {}: {}", key, e.getMessage());
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** containerd's unique part of an extraction key: nanoseconds and a few random bytes. */
    static String uniquePart() {
        byte[] b = new byte[3];
        RANDOM.nextBytes(b);
        return (System.nanoTime() % 1_000_000_000L) + "-" + Base64.getUrlEncoder().encodeToString(b);
    }
}
