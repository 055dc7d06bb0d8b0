package org.containerj.transfer.impl;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

import org.containerj.api.content.ContentStore;
import org.containerj.api.content.Descriptor;
import org.containerj.api.content.Digest;
import org.containerj.api.diff.Applier;
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
 *
 * <p>On a snapshotter that can rebase ({@link Snapshotter#canRebase()}) and with more than
 * one unpack allowed at once, the layers are applied in parallel instead (containerd 2.2's
 * parallel unpack): each into its own snapshot prepared without parent as soon as its
 * bytes are there, then committed in order as its chain id onto the previous one. A layer
 * that cannot be applied without its lowers (a hard link to a file of a lower layer) is
 * applied again the sequential way, onto its committed parent.
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
    private final int parallelism;

    Unpacker(String namespace, ContentStore content, Job job, KeyedLocks locks, ProgressReporter progress) {
        this(namespace, content, job, locks, progress, 1);
    }

    /** {@code parallelism}: layers applied at once where the snapshotter can rebase (1: in order). */
    Unpacker(String namespace, ContentStore content, Job job, KeyedLocks locks, ProgressReporter progress,
            int parallelism) {
        this.namespace = namespace;
        this.content = content;
        this.job = job;
        this.locks = locks;
        this.progress = progress;
        this.parallelism = Math.max(1, parallelism);
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
        if (parallelism > 1 && layers.size() > 1 && snapshots.canRebase()) {
            new ParallelUnpack(plan, layers, diffIds, chain, fetches).run();
            Digest top = chain.get(chain.size() - 1);
            ContentBlobs.label(content, config.digest(), GcLabels.snapshot(plan.snapshotterName(), top));
            return top;
        }
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
        Map<String, String> labels = labels(layer, chainId);
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

    private static Map<String, String> labels(Descriptor layer, String chainId) {
        Map<String, String> labels = new HashMap<>();
        layer.annotations().forEach((k, v) -> {
            if (k.startsWith(INHERITED_PREFIX)) {
                labels.put(k, v);
            }
        });
        labels.put(SNAPSHOT_REF_LABEL, chainId);
        return labels;
    }

    /** A layer applied without parent, waiting to be committed onto its parent. */
    private record Applied(String key, Map<String, String> labels) {
    }

    /**
     * The parallel unpack of one manifest's layers. Extraction snapshots prepared by the
     * apply tasks are tracked in {@code pending} until committed or removed, so that a
     * failure anywhere leaves none behind.
     */
    private final class ParallelUnpack {
        private static final int REBASED = 0;
        private static final int IN_ORDER = 1;
        private static final int THERE = 2;
        private final UnpackPlan plan;
        private final List<Descriptor> layers;
        private final List<Digest> diffIds;
        private final List<Digest> chain;
        private final List<Job.Task<Void>> fetches;
        private final Semaphore slots = new Semaphore(parallelism);
        private final Set<String> pending = ConcurrentHashMap.newKeySet();
        private final List<Job.Task<Applied>> applies = new ArrayList<>();
        private final List<CountDownLatch> ended = new ArrayList<>();

        ParallelUnpack(UnpackPlan plan, List<Descriptor> layers, List<Digest> diffIds, List<Digest> chain,
                List<Job.Task<Void>> fetches) {
            this.plan = plan;
            this.layers = layers;
            this.diffIds = diffIds;
            this.chain = chain;
            this.fetches = fetches;
        }

        void run() {
            Snapshotter snapshots = plan.snapshots();
            int first = 0;
            while (first < layers.size() && exists(snapshots, chain.get(first).toString())) {
                first++; // a committed chain id has its whole chain below it
            }
            try {
                for (int i = first; i < layers.size(); i++) {
                    int layer = i;
                    CountDownLatch end = new CountDownLatch(1);
                    ended.add(end);
                    applies.add(job.submit(() -> {
                        try {
                            return applyAlone(layer);
                        } finally {
                            end.countDown();
                        }
                    }));
                }
                int[] outcomes = new int[3];
                for (int i = first; i < layers.size(); i++) {
                    job.checkNotFailed();
                    outcomes[commitInOrder(i, applies.get(i - first))]++;
                }
                if (first < layers.size()) {
                    Logger.tag("transfer").info("{}: unpacked {} of {} layers in parallel and rebased onto their "
                            + "parents, {} in order, {} already there", plan.snapshotterName(), outcomes[REBASED],
                            layers.size(), outcomes[IN_ORDER], first + outcomes[THERE]);
                }
            } catch (RuntimeException | Error e) {
                job.fail(e); // stops the other applies before their snapshots are removed
                cleanUp();
                throw e;
            }
        }

        /** Applies layer {@code i} into a snapshot of its own; null when it needs its lowers. */
        private Applied applyAlone(int i) throws InterruptedException {
            Descriptor layer = layers.get(i);
            String chainId = chain.get(i).toString();
            Map<String, String> labels = labels(layer, chainId);
            job.await(fetches.get(i));
            slots.acquire();
            try {
                job.checkNotFailed();
                if (exists(plan.snapshots(), chainId)) {
                    return null; // committed meanwhile by someone else: the in-order step sees it
                }
                Map<String, String> prepareLabels = new HashMap<>(labels);
                prepareLabels.put(Snapshotter.REBASE_LABEL, "true");
                String key = "extract-" + uniquePart() + "-" + chainId;
                List<Mount> mounts;
                try {
                    mounts = plan.snapshots().prepare(key, "", prepareLabels);
                } catch (ContainerjException e) {
                    throw new ContainerjException(e.kind(),
                            "failed to prepare extraction snapshot \"" + key + "\": " + e.getMessage(), e);
                }
                pending.add(key);
                boolean keep = false;
                try {
                    progress.about("extracting", layer);
                    Descriptor applied;
                    try {
                        applied = plan.applier().apply(namespace, layer, mounts,
                                Map.of(Applier.PAYLOAD_DETACHED_PARENTS, new byte[0]));
                    } catch (ContainerjException e) {
                        if (e.kind() == ErrorKind.CANCELED || job.failure() != null
                                || Thread.currentThread().isInterrupted()) {
                            throw e;
                        }
                        Logger.tag("transfer").info("{}: layer {} cannot be applied without its parents ({}), "
                                + "applying it in order", plan.snapshotterName(), layer.digest(), e.getMessage());
                        return null;
                    }
                    if (!diffIds.get(i).equals(applied.digest())) {
                        throw ContainerjException.failedPrecondition(
                                "wrong diff id calculated on extraction of %s: %s, the config says %s",
                                layer.digest(), applied.digest(), diffIds.get(i));
                    }
                    keep = true;
                    return new Applied(key, labels);
                } finally {
                    if (!keep) {
                        pending.remove(key);
                        removeQuietly(plan.snapshots(), key);
                    }
                }
            } finally {
                slots.release();
            }
        }

        /** Commits layer {@code i} onto its parent: {@link #REBASED}, {@link #IN_ORDER} (applied again the sequential way) or {@link #THERE}. */
        private int commitInOrder(int i, Job.Task<Applied> apply) {
            Snapshotter snapshots = plan.snapshots();
            Descriptor layer = layers.get(i);
            String parent = i == 0 ? "" : chain.get(i - 1).toString();
            String chainId = chain.get(i).toString();
            Applied applied = job.await(apply);
            try (KeyedLocks.Held held = locks.lock(namespace + "/snapshot/" + plan.snapshotterName() + "/" + chainId)) {
                if (exists(snapshots, chainId)) {
                    if (applied != null) {
                        discard(applied.key());
                    }
                    return THERE;
                }
                if (applied == null) {
                    unpackLayer(plan, layer, diffIds.get(i), parent, chainId, fetches.get(i));
                    return IN_ORDER;
                }
                try {
                    snapshots.commit(chainId, applied.key(), applied.labels(), parent);
                    pending.remove(applied.key());
                } catch (ContainerjException e) {
                    if (e.kind() != ErrorKind.ALREADY_EXISTS) {
                        throw new ContainerjException(e.kind(),
                                "failed to commit snapshot " + applied.key() + ": " + e.getMessage(), e);
                    }
                    discard(applied.key());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw Errors.canceled(job.what());
            }
            ContentBlobs.label(content, layer.digest(), Map.of(GcLabels.UNCOMPRESSED, diffIds.get(i).toString()));
            progress.about("extracted", layer);
            return REBASED;
        }

        private void discard(String key) {
            pending.remove(key);
            removeQuietly(plan.snapshots(), key);
        }

        /** After a failure: waits (bounded) for the apply tasks to end, then removes every extraction snapshot not committed. */
        private void cleanUp() {
            boolean interrupted = Thread.interrupted();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            for (CountDownLatch end : ended) {
                while (true) {
                    try {
                        long left = deadline - System.nanoTime();
                        if (left <= 0 || end.await(left, TimeUnit.NANOSECONDS)) {
                            break;
                        }
                    } catch (InterruptedException e) {
                        interrupted = true;
                    }
                }
            }
            for (String key : List.copyOf(pending)) {
                pending.remove(key);
                removeQuietly(plan.snapshots(), key);
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
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
