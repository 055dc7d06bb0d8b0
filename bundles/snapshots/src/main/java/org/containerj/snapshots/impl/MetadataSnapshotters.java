package org.containerj.snapshots.impl;

import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Consumer;

import org.containerj.api.errdefs.ContainerjException;
import org.containerj.api.errdefs.ErrorKind;
import org.containerj.api.identifiers.Identifiers;
import org.containerj.api.identifiers.Labels;
import org.containerj.api.metadata.Entry;
import org.containerj.api.metadata.Key;
import org.containerj.api.metadata.MetadataLayout;
import org.containerj.api.metadata.MetadataStore;
import org.containerj.api.metadata.ReadTransaction;
import org.containerj.api.metadata.WriteTransaction;
import org.containerj.api.mount.Mount;
import org.containerj.api.snapshots.NamespacedSnapshotters;
import org.containerj.api.snapshots.SnapshotInfo;
import org.containerj.api.snapshots.SnapshotKind;
import org.containerj.api.snapshots.SnapshotUsage;
import org.containerj.api.snapshots.Snapshotter;
import org.containerj.filters.Filter;
import org.containerj.proto.events.SnapshotCommit;
import org.containerj.proto.events.SnapshotPrepare;
import org.containerj.proto.events.SnapshotRemove;
import org.containerj.snapshots.storage.SnapshotFields;
import org.containerj.snapshots.storage.SnapshotTransaction;
import org.tinylog.Logger;

import com.google.protobuf.Message;

/**
 * containerd's metadata snapshotter: each namespace's snapshots of each snapshotter,
 * kept in the metadata store over the snapshotter plugin, which holds the snapshots of
 * every namespace under keys made here.
 *
 * <pre>
 * v1/&lt;ns&gt;/snapshots/&lt;snapshotter&gt;/&lt;key&gt;                    the snapshot ({@link SnapshotRecord})
 * v1/&lt;ns&gt;/snapshots/&lt;snapshotter&gt;/&lt;key&gt;/children/&lt;child&gt;   one per snapshot on top of it
 * v1/&lt;ns&gt;/leases/&lt;lease&gt;/snapshots/&lt;snapshotter&gt;/&lt;key&gt;        held by a lease
 * snapshotters/&lt;snapshotter&gt;/sequence                    last n handed out (8 bytes)
 * </pre>
 *
 * The snapshotter knows a snapshot as {@code <ns>/<n>/<key>}, n increasing per
 * snapshotter (kept outside {@code v1} so that it never keeps a namespace from being
 * deleted), as containerd names them.
 *
 * <p>A prepare is checked and given its backend key in one transaction, created in the
 * snapshotter, then recorded in a second transaction (and the backend snapshot removed
 * again when that fails); a commit likewise. Work on the same keys is serialised
 * ({@link KeyLocks}), so the second transaction finds what the first checked.
 * Removing a snapshot removes its record only; the snapshotter's copy goes when the
 * collector next runs ({@link #collect}), as containerd's garbage collector removes
 * snapshots no namespace refers to. The collector runs after removals, when a
 * snapshotter (re)appears, and on Cleanup; while it runs no snapshot of that snapshotter
 * is created.
 */
public final class MetadataSnapshotters implements NamespacedSnapshotters {
    /** Labels with this prefix are handed to the snapshotter as well. */
    static final String INHERITED_PREFIX = "containerd.io/snapshot/";
    /** The label naming the committed snapshot a prepare is meant to produce (remote snapshotters). */
    static final String TARGET_LABEL = "containerd.io/snapshot.ref";
    static final String CHILDREN = "children";
    /** Snapshots per batch read from the metadata store while walking (containerd: 100). */
    static final int WALK_BATCH = 100;

    /** Finds the snapshotter plugin serving an id, or throws (INVALID_ARGUMENT or UNAVAILABLE). */
    @FunctionalInterface
    public interface Backends {
        Snapshotter get(String snapshotter);
    }

    /** Where events go (namespace, topic, event). */
    @FunctionalInterface
    public interface Events {
        void publish(String namespace, String topic, Message event);
    }

    private final MetadataStore store;
    private final Backends backends;
    private final Events events;
    private final Executor collector;
    private final KeyLocks locks = new KeyLocks(64);
    private final Map<String, ReadWriteLock> collecting = new ConcurrentHashMap<>();
    private final Map<String, AtomicBoolean> collectScheduled = new ConcurrentHashMap<>();

    public MetadataSnapshotters(MetadataStore store, Backends backends, Events events, Executor collector) {
        this.store = store;
        this.backends = backends;
        this.events = events;
        this.collector = collector;
    }

    @Override
    public Snapshotter forNamespace(String snapshotter, String namespace, String lease) {
        Identifiers.validate(namespace);
        if (snapshotter == null || snapshotter.isEmpty()) {
            throw ContainerjException.invalidArgument("snapshotter argument missing: invalid argument");
        }
        return new View(snapshotter, namespace, lease == null || lease.isEmpty() ? null : lease);
    }

    /** True when any namespace ever had a snapshot on {@code snapshotter}. */
    public boolean known(String snapshotter) {
        return store.view(tx -> tx.exists(sequenceKey(snapshotter)));
    }

    // ---- keys

    static Key sequenceKey(String snapshotter) {
        return Key.of("snapshotters", snapshotter, "sequence");
    }

    static Key bucket(String namespace, String snapshotter) {
        return MetadataLayout.bucket(namespace, MetadataLayout.SNAPSHOTS, snapshotter);
    }

    static Key recordKey(String namespace, String snapshotter, String key) {
        return bucket(namespace, snapshotter).child(key);
    }

    static Key childKey(String namespace, String snapshotter, String parent, String child) {
        return recordKey(namespace, snapshotter, parent).child(CHILDREN, child);
    }

    static Key leaseKey(String namespace, String lease) {
        return MetadataLayout.bucket(namespace, MetadataLayout.LEASES, lease);
    }

    static Key leaseResource(String namespace, String lease, String snapshotter, String key) {
        return leaseKey(namespace, lease).child(MetadataLayout.SNAPSHOTS, snapshotter, key);
    }

    static Map<String, String> inherited(Map<String, String> labels) {
        Map<String, String> out = new HashMap<>();
        labels.forEach((k, v) -> {
            if (k.startsWith(INHERITED_PREFIX)) {
                out.put(k, v);
            }
        });
        return out;
    }

    // ---- collecting what no namespace refers to

    /** Runs {@link #collect} for {@code snapshotter} soon, once however often it is asked meanwhile. */
    public void scheduleCollect(String snapshotter) {
        AtomicBoolean scheduled = collectScheduled.computeIfAbsent(snapshotter, s -> new AtomicBoolean());
        if (scheduled.compareAndSet(false, true)) {
            try {
                collector.execute(() -> {
                    scheduled.set(false);
                    try {
                        collect(snapshotter);
                    } catch (RuntimeException e) {
                        if (ContainerjException.is(e, ErrorKind.UNAVAILABLE) || ContainerjException.is(e, ErrorKind.INVALID_ARGUMENT)) {
                            Logger.tag("snapshots").debug("collection on {} skipped: {}", snapshotter, e.getMessage());
                        } else {
                            Logger.tag("snapshots").warn(e, "collection on {} failed", snapshotter);
                        }
                    }
                });
            } catch (RuntimeException rejected) {
                scheduled.set(false);
                Logger.tag("snapshots").debug("collection on {} not scheduled: {}", snapshotter, rejected.toString());
            }
        }
    }

    /**
     * Removes from {@code snapshotter} every snapshot no namespace refers to (children
     * before parents), then lets it reclaim the space ({@link Snapshotter#cleanup()}).
     *
     * @return the backend keys removed
     */
    public List<String> collect(String snapshotter) {
        Snapshotter backend = backends.get(snapshotter);
        List<String> removed = new ArrayList<>();
        ReadWriteLock lock = gcLock(snapshotter);
        lock.writeLock().lock();
        try {
            Set<String> referenced = store.view(tx -> {
                Set<String> keys = new HashSet<>();
                for (String ns : tx.children(MetadataLayout.NAMESPACES)) {
                    Key bucket = bucket(ns, snapshotter);
                    tx.forEach(bucket, e -> {
                        if (e.key().size() == bucket.size() + 1) {
                            keys.add(SnapshotRecord.decode(e.key().last(), e.value()).backendKey());
                        }
                        return true;
                    });
                }
                return keys;
            });
            Map<String, List<String>> children = new HashMap<>();
            List<String> roots = new ArrayList<>();
            Set<String> present = new HashSet<>();
            backend.walk(List.of(), info -> {
                present.add(info.name());
                if (info.parent().isEmpty()) {
                    roots.add(info.name());
                } else {
                    children.computeIfAbsent(info.parent(), p -> new ArrayList<>()).add(info.name());
                }
            });
            // parents missing from the walk: treat their children as roots
            for (String parent : children.keySet()) {
                if (!present.contains(parent)) {
                    roots.addAll(children.get(parent));
                }
            }
            for (String root : roots) {
                prune(backend, snapshotter, root, children, referenced, removed);
            }
        } finally {
            lock.writeLock().unlock();
        }
        backend.cleanup();
        if (!removed.isEmpty()) {
            Logger.tag("snapshots").debug("removed {} unreferenced snapshots from {}", removed.size(), snapshotter);
        }
        return removed;
    }

    private static void prune(Snapshotter backend, String snapshotter, String name, Map<String, List<String>> children,
            Set<String> referenced, List<String> removed) {
        for (String child : children.getOrDefault(name, List.of())) {
            prune(backend, snapshotter, child, children, referenced, removed);
        }
        if (referenced.contains(name)) {
            return;
        }
        try {
            backend.remove(name);
            removed.add(name);
        } catch (ContainerjException e) {
            if (e.kind() != ErrorKind.FAILED_PRECONDITION && e.kind() != ErrorKind.NOT_FOUND) {
                throw e;
            }
            Logger.tag("snapshots").debug("{}: not removing {}: {}", snapshotter, name, e.getMessage());
        }
    }

    private ReadWriteLock gcLock(String snapshotter) {
        return collecting.computeIfAbsent(snapshotter, s -> new ReentrantReadWriteLock());
    }

    // ---- one namespace

    private final class View implements Snapshotter {
        private final String snapshotter;
        private final String namespace;
        private final String lease;

        View(String snapshotter, String namespace, String lease) {
            this.snapshotter = snapshotter;
            this.namespace = namespace;
            this.lease = lease;
        }

        private Snapshotter backend() {
            return backends.get(snapshotter);
        }

        private String lockName(String key) {
            return key == null || key.isEmpty() ? null : snapshotter + "\0" + namespace + "\0" + key;
        }

        private Optional<SnapshotRecord> find(ReadTransaction tx, String key) {
            return tx.get(recordKey(namespace, snapshotter, key)).map(b -> SnapshotRecord.decode(key, b));
        }

        private SnapshotRecord require(ReadTransaction tx, String key) {
            return find(tx, key)
                    .orElseThrow(() -> ContainerjException.notFound("snapshot %s does not exist: not found", key));
        }

        private void requireLease(ReadTransaction tx) {
            if (lease != null && !tx.existsUnder(leaseKey(namespace, lease))) {
                throw ContainerjException.notFound("lease does not exist: not found");
            }
        }

        private void checkSize(Key key) {
            if (key.encode().length > store.maxKeySize()) {
                throw ContainerjException.invalidArgument("snapshot key too long: %s is %d bytes, at most %d fit",
                        key, key.encode().length, store.maxKeySize());
            }
        }

        private String nextBackendKey(WriteTransaction tx, String key) {
            Key seq = sequenceKey(snapshotter);
            long n = tx.get(seq).map(b -> ByteBuffer.wrap(b).getLong()).orElse(0L) + 1;
            tx.put(seq, ByteBuffer.allocate(8).putLong(n).array());
            return namespace + "/" + n + "/" + key;
        }

        private SnapshotInfo merge(SnapshotInfo backend, String key, SnapshotRecord record) {
            Map<String, String> labels = new HashMap<>(backend.labels());
            labels.putAll(record.labels());
            return new SnapshotInfo(key, record.parent(), backend.kind(), labels, record.created(), record.updated());
        }

        private void publish(String topic, Message event) {
            try {
                events.publish(namespace, topic, event);
            } catch (RuntimeException e) {
                Logger.tag("snapshots").warn(e, "publishing {} failed", topic);
            }
        }

        @Override
        public SnapshotInfo stat(String key) {
            requireExisting(key);
            Snapshotter backend = backend();
            SnapshotRecord record = store.view(tx -> require(tx, key));
            return merge(backend.stat(record.backendKey()), key, record);
        }

        @Override
        public SnapshotInfo update(SnapshotInfo info, Set<String> fieldPaths) {
            String key = info.name();
            if (key == null || key.isEmpty()) {
                throw ContainerjException.invalidArgument("snapshot name must not be empty: invalid argument");
            }
            Snapshotter backend = backend();
            try (KeyLocks.Held held = locks.lock(lockName(key))) {
                SnapshotRecord before = store.view(tx -> require(tx, key));
                Map<String, String> labels = SnapshotTransaction.applyLabels(before.labels(), info.labels(), fieldPaths,
                        key);
                SnapshotInfo inner = new SnapshotInfo(before.backendKey(), "", SnapshotKind.UNKNOWN,
                        inherited(info.labels()), Instant.EPOCH, Instant.EPOCH);
                SnapshotInfo backendInfo = backend.update(inner, backendPaths(fieldPaths));
                SnapshotRecord after = store.update(tx -> {
                    SnapshotRecord current = require(tx, key);
                    SnapshotRecord updated = current.withLabels(labels, Instant.now());
                    tx.put(recordKey(namespace, snapshotter, key), updated.encode());
                    return updated;
                });
                return merge(backendInfo, key, after);
            }
        }

        /** The paths the snapshotter gets: all of them, the backend ignores labels it is not given. */
        private Set<String> backendPaths(Set<String> fieldPaths) {
            return fieldPaths == null ? Set.of() : fieldPaths;
        }

        @Override
        public SnapshotUsage usage(String key) {
            requireExisting(key);
            Snapshotter backend = backend();
            SnapshotRecord record = store.view(tx -> require(tx, key));
            return backend.usage(record.backendKey());
        }

        @Override
        public List<Mount> mounts(String key) {
            requireExisting(key);
            Snapshotter backend = backend();
            SnapshotRecord record = store.view(tx -> require(tx, key));
            return backend.mounts(record.backendKey());
        }

        @Override
        public List<Mount> prepare(String key, String parent, Map<String, String> labels) {
            List<Mount> mounts = create(SnapshotKind.ACTIVE, key, parent, labels);
            publish("/snapshot/prepare", SnapshotPrepare.newBuilder().setKey(key).setParent(parent == null ? "" : parent)
                    .setSnapshotter(snapshotter).build());
            return mounts;
        }

        @Override
        public List<Mount> view(String key, String parent, Map<String, String> labels) {
            return create(SnapshotKind.VIEW, key, parent, labels);
        }

        private record Planned(String backendKey, String backendParent) {
        }

        private List<Mount> create(SnapshotKind kind, String key, String parentKey, Map<String, String> labelsIn) {
            requireNewKey(key);
            String parent = parentKey == null ? "" : parentKey;
            Map<String, String> labels = labelsIn == null ? Map.of() : Map.copyOf(labelsIn);
            Labels.validate(labels);
            String target = labels.get(TARGET_LABEL);
            Snapshotter backend = backend();
            ReadWriteLock gc = gcLock(snapshotter);
            try (KeyLocks.Held held = locks.lock(lockName(key), lockName(parent), lockName(target))) {
                gc.readLock().lock();
                try {
                    Planned plan = store.update(tx -> {
                        if (target != null && !target.isEmpty()
                                && tx.exists(recordKey(namespace, snapshotter, target))) {
                            throw ContainerjException.alreadyExists("target snapshot \"%s\": already exists", target);
                        }
                        if (tx.exists(recordKey(namespace, snapshotter, key))) {
                            throw ContainerjException.alreadyExists("snapshot \"%s\": already exists", key);
                        }
                        String backendParent = "";
                        if (!parent.isEmpty()) {
                            backendParent = find(tx, parent).orElseThrow(() -> ContainerjException.notFound(
                                    "parent snapshot %s does not exist: not found", parent)).backendKey();
                            checkSize(childKey(namespace, snapshotter, parent, key));
                        }
                        requireLease(tx);
                        checkSize(recordKey(namespace, snapshotter, key).child(CHILDREN, "x"));
                        if (lease != null) {
                            checkSize(leaseResource(namespace, lease, snapshotter, key));
                        }
                        return new Planned(nextBackendKey(tx, key), backendParent);
                    });
                    List<Mount> mounts;
                    try {
                        mounts = kind == SnapshotKind.VIEW
                                ? backend.view(plan.backendKey(), plan.backendParent(), inherited(labels))
                                : backend.prepare(plan.backendKey(), plan.backendParent(), inherited(labels));
                    } catch (ContainerjException e) {
                        if (e.kind() == ErrorKind.ALREADY_EXISTS) {
                            throw new ContainerjException(ErrorKind.UNKNOWN,
                                    "unexpected error from snapshotter: " + e.getMessage(), e);
                        }
                        throw e;
                    }
                    try {
                        store.update(tx -> {
                            if (tx.exists(recordKey(namespace, snapshotter, key))) {
                                throw ContainerjException.alreadyExists("snapshot \"%s\": already exists", key);
                            }
                            if (!parent.isEmpty()) {
                                if (!tx.exists(recordKey(namespace, snapshotter, parent))) {
                                    throw ContainerjException.notFound("parent snapshot %s does not exist: not found",
                                            parent);
                                }
                                tx.put(childKey(namespace, snapshotter, parent, key), new byte[0]);
                            }
                            requireLease(tx);
                            if (lease != null) {
                                tx.put(leaseResource(namespace, lease, snapshotter, key), new byte[0]);
                            }
                            Instant now = Instant.now();
                            tx.put(recordKey(namespace, snapshotter, key),
                                    new SnapshotRecord(plan.backendKey(), parent, kind, now, now, labels).encode());
                            tx.putIfAbsent(MetadataLayout.namespaceLabels(namespace), new byte[0]);
                            return null;
                        });
                    } catch (RuntimeException e) {
                        try {
                            backend.remove(plan.backendKey());
                        } catch (RuntimeException cleanup) {
                            Logger.tag("snapshots").error(cleanup, "{}: failed to remove unreferenced snapshot {}",
                                    snapshotter, plan.backendKey());
                        }
                        throw e;
                    }
                    return mounts;
                } finally {
                    gc.readLock().unlock();
                }
            }
        }

        private record Commit(SnapshotRecord active, String nameKey, String parent, String backendParent) {
        }

        @Override
        public boolean canRebase() {
            return backend().canRebase();
        }

        @Override
        public void commit(String name, String key, Map<String, String> labelsIn) {
            commit(name, key, labelsIn, "");
        }

        /** A commit; with a parent, a rebase of a snapshot prepared without one (the backend must support it). */
        @Override
        public void commit(String name, String key, Map<String, String> labelsIn, String parentIn) {
            requireNewKey(name);
            requireExisting(key);
            String rebaseOnto = parentIn == null ? "" : parentIn;
            Map<String, String> labels = labelsIn == null ? Map.of() : Map.copyOf(labelsIn);
            Labels.validate(labels);
            Snapshotter backend = backend();
            if (!rebaseOnto.isEmpty() && !backend.canRebase()) {
                throw ContainerjException.notImplemented("snapshotter %s cannot rebase: not implemented", snapshotter);
            }
            ReadWriteLock gc = gcLock(snapshotter);
            try (KeyLocks.Held held = locks.lock(lockName(key), lockName(name), lockName(rebaseOnto))) {
                gc.readLock().lock();
                try {
                    Commit plan = store.update(tx -> {
                        if (!tx.existsUnder(bucket(namespace, snapshotter))) {
                            throw ContainerjException.notFound("can not find snapshotter \"%s\": not found", snapshotter);
                        }
                        if (tx.exists(recordKey(namespace, snapshotter, name))) {
                            throw ContainerjException.alreadyExists("snapshot \"%s\": already exists", name);
                        }
                        SnapshotRecord active = require(tx, key);
                        String parent = active.parent();
                        String backendParent = "";
                        if (!rebaseOnto.isEmpty() && !rebaseOnto.equals(parent)) {
                            if (!parent.isEmpty()) {
                                throw ContainerjException.failedPrecondition(
                                        "cannot rebase snapshot \"%s\" onto \"%s\": it has parent \"%s\": failed precondition",
                                        key, rebaseOnto, parent);
                            }
                            SnapshotRecord p = find(tx, rebaseOnto).orElseThrow(() -> ContainerjException.notFound(
                                    "parent snapshot %s does not exist: not found", rebaseOnto));
                            if (p.kind() != SnapshotKind.COMMITTED) {
                                throw ContainerjException.failedPrecondition(
                                        "parent \"%s\" is not committed snapshot: failed precondition", rebaseOnto);
                            }
                            parent = rebaseOnto;
                            backendParent = p.backendKey();
                        }
                        requireLease(tx);
                        checkSize(recordKey(namespace, snapshotter, name).child(CHILDREN, "x"));
                        if (!parent.isEmpty()) {
                            checkSize(childKey(namespace, snapshotter, parent, name));
                        }
                        if (lease != null) {
                            checkSize(leaseResource(namespace, lease, snapshotter, name));
                        }
                        return new Commit(active, nextBackendKey(tx, name), parent, backendParent);
                    });
                    if (plan.backendParent().isEmpty()) {
                        backend.commit(plan.nameKey(), plan.active().backendKey(), inherited(labels));
                    } else {
                        backend.commit(plan.nameKey(), plan.active().backendKey(), inherited(labels),
                                plan.backendParent());
                    }
                    try {
                        store.update(tx -> {
                            SnapshotRecord active = require(tx, key);
                            Key old = recordKey(namespace, snapshotter, key);
                            tx.deleteAll(old);
                            if (!active.parent().isEmpty()) {
                                tx.delete(childKey(namespace, snapshotter, active.parent(), key));
                            }
                            if (!plan.parent().isEmpty()) {
                                if (!tx.exists(recordKey(namespace, snapshotter, plan.parent()))) {
                                    throw ContainerjException.notFound("parent snapshot %s does not exist: not found",
                                            plan.parent());
                                }
                                tx.put(childKey(namespace, snapshotter, plan.parent(), name), new byte[0]);
                            }
                            Instant now = Instant.now();
                            tx.put(recordKey(namespace, snapshotter, name), new SnapshotRecord(plan.nameKey(),
                                    plan.parent(), SnapshotKind.COMMITTED, now, now, labels).encode());
                            if (lease != null) {
                                tx.delete(leaseResource(namespace, lease, snapshotter, key));
                                tx.put(leaseResource(namespace, lease, snapshotter, name), new byte[0]);
                            }
                            return null;
                        });
                    } catch (RuntimeException e) {
                        Logger.tag("snapshots").error(e,
                                "{}: uncommittable snapshot {}: recording the commit as {} failed, {} should be removed",
                                snapshotter, key, name, plan.nameKey());
                        throw e;
                    }
                } finally {
                    gc.readLock().unlock();
                }
            }
            publish("/snapshot/commit",
                    SnapshotCommit.newBuilder().setKey(key).setName(name).setSnapshotter(snapshotter).build());
        }

        @Override
        public void remove(String key) {
            requireExisting(key);
            backend();
            try (KeyLocks.Held held = locks.lock(lockName(key))) {
                store.update(tx -> {
                    SnapshotRecord record = require(tx, key);
                    Key recordKey = recordKey(namespace, snapshotter, key);
                    if (tx.existsUnder(recordKey.child(CHILDREN))) {
                        throw ContainerjException.failedPrecondition("cannot remove snapshot with child: failed precondition");
                    }
                    if (!record.parent().isEmpty()) {
                        tx.delete(childKey(namespace, snapshotter, record.parent(), key));
                    }
                    tx.deleteAll(recordKey);
                    if (lease != null) {
                        tx.delete(leaseResource(namespace, lease, snapshotter, key));
                    }
                    return null;
                });
            }
            scheduleCollect(snapshotter);
            publish("/snapshot/remove", SnapshotRemove.newBuilder().setKey(key).setSnapshotter(snapshotter).build());
        }

        private record Named(String key, SnapshotRecord record) {
        }

        @Override
        public void walk(List<String> filters, Consumer<SnapshotInfo> visitor) {
            Filter filter = Filter.parse(filters);
            Snapshotter backend = backend();
            Key bucket = bucket(namespace, snapshotter);
            List<Named> all = store.view(tx -> {
                List<Named> found = new ArrayList<>();
                tx.forEach(bucket, (Entry e) -> {
                    if (e.key().size() == bucket.size() + 1) {
                        found.add(new Named(e.key().last(), SnapshotRecord.decode(e.key().last(), e.value())));
                    }
                    return true;
                });
                return found;
            });
            for (int from = 0; from < all.size(); from += WALK_BATCH) {
                for (Named n : all.subList(from, Math.min(all.size(), from + WALK_BATCH))) {
                    SnapshotInfo backendInfo;
                    try {
                        backendInfo = backend.stat(n.record().backendKey());
                    } catch (ContainerjException e) {
                        if (e.kind() == ErrorKind.NOT_FOUND) {
                            continue;
                        }
                        throw e;
                    }
                    SnapshotInfo info = merge(backendInfo, n.key(), n.record());
                    if (filter.matches(SnapshotFields.of(info))) {
                        visitor.accept(info);
                    }
                }
            }
        }

        @Override
        public void cleanup() {
            collect(snapshotter);
        }
    }

    /**
     * A key or name to create: containerd's metadata store refuses an empty one with bolt's
     * own error, which reaches clients as UNKNOWN.
     */
    private static void requireNewKey(String key) {
        if (key == null || key.isEmpty()) {
            throw new ContainerjException(ErrorKind.UNKNOWN, "bucket name required");
        }
    }

    /** A key to look up: an empty one names no snapshot (NOT_FOUND, as in containerd). */
    private static void requireExisting(String key) {
        if (key == null || key.isEmpty()) {
            throw ContainerjException.notFound("snapshot %s does not exist: not found", key == null ? "" : key);
        }
    }
}
