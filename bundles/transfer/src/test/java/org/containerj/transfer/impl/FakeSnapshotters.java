package org.containerj.transfer.impl;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

import org.containerj.api.errdefs.ContainerjException;
import org.containerj.api.mount.Mount;
import org.containerj.api.snapshots.NamespacedSnapshotters;
import org.containerj.api.snapshots.SnapshotInfo;
import org.containerj.api.snapshots.SnapshotKind;
import org.containerj.api.snapshots.SnapshotUsage;
import org.containerj.api.snapshots.Snapshotter;

/**
 * Snapshots in memory with the metadata snapshotter's rules that an unpack relies on:
 * ALREADY_EXISTS for a taken key and for a {@code containerd.io/snapshot.ref} target that
 * exists, a parent must be committed, only active snapshots commit.
 */
public final class FakeSnapshotters implements NamespacedSnapshotters {
    final Set<String> loaded;
    final Map<String, Map<String, SnapshotInfo>> all = new ConcurrentHashMap<>();
    final List<String> log = java.util.Collections.synchronizedList(new ArrayList<>());
    /** Whether the snapshotters declare the rebase capability. */
    volatile boolean rebase;

    FakeSnapshotters(Set<String> loaded) {
        this.loaded = loaded;
    }

    public Map<String, SnapshotInfo> of(String snapshotter, String namespace) {
        return all.computeIfAbsent(snapshotter + "/" + namespace, k -> new HashMap<>());
    }

    @Override
    public Snapshotter forNamespace(String snapshotter, String namespace, String lease) {
        Map<String, SnapshotInfo> snaps = of(snapshotter, namespace);
        return new Snapshotter() {
            private void loaded() {
                if (!loaded.contains(snapshotter)) {
                    throw ContainerjException.invalidArgument("snapshotter not loaded: %s: invalid argument", snapshotter);
                }
            }

            @Override
            public SnapshotInfo stat(String key) {
                loaded();
                synchronized (snaps) {
                    SnapshotInfo i = snaps.get(key);
                    if (i == null) {
                        throw ContainerjException.notFound("snapshot %s does not exist: not found", key);
                    }
                    return i;
                }
            }

            @Override
            public SnapshotInfo update(SnapshotInfo info, Set<String> fieldPaths) {
                throw new UnsupportedOperationException();
            }

            @Override
            public SnapshotUsage usage(String key) {
                return new SnapshotUsage(0, 0);
            }

            @Override
            public List<Mount> mounts(String key) {
                return List.of(new Mount("bind", "/fake/" + key, List.of("rw")));
            }

            @Override
            public List<Mount> prepare(String key, String parent, Map<String, String> labels) {
                loaded();
                synchronized (snaps) {
                    String target = labels.get("containerd.io/snapshot.ref");
                    if (target != null && snaps.containsKey(target)) {
                        throw ContainerjException.alreadyExists("target snapshot \"%s\": already exists", target);
                    }
                    if (snaps.containsKey(key)) {
                        throw ContainerjException.alreadyExists("snapshot \"%s\": already exists", key);
                    }
                    if (!parent.isEmpty() && (snaps.get(parent) == null
                            || snaps.get(parent).kind() != SnapshotKind.COMMITTED)) {
                        throw ContainerjException.notFound("parent snapshot %s does not exist: not found", parent);
                    }
                    snaps.put(key, new SnapshotInfo(key, parent, SnapshotKind.ACTIVE, labels, Instant.now(),
                            Instant.now()));
                    log.add("prepare " + key);
                }
                return mounts(key);
            }

            @Override
            public List<Mount> view(String key, String parent, Map<String, String> labels) {
                throw new UnsupportedOperationException();
            }

            @Override
            public void commit(String name, String key, Map<String, String> labels) {
                synchronized (snaps) {
                    SnapshotInfo active = snaps.get(key);
                    if (active == null) {
                        throw ContainerjException.notFound("snapshot %s does not exist: not found", key);
                    }
                    if (snaps.containsKey(name)) {
                        throw ContainerjException.alreadyExists("snapshot \"%s\": already exists", name);
                    }
                    snaps.remove(key);
                    snaps.put(name, new SnapshotInfo(name, active.parent(), SnapshotKind.COMMITTED, labels,
                            Instant.now(), Instant.now()));
                    log.add("commit " + name);
                }
            }

            @Override
            public boolean canRebase() {
                return rebase;
            }

            @Override
            public void commit(String name, String key, Map<String, String> labels, String parent) {
                if (parent == null || parent.isEmpty()) {
                    commit(name, key, labels);
                    return;
                }
                if (!rebase) {
                    throw ContainerjException.notImplemented("cannot rebase: not implemented");
                }
                synchronized (snaps) {
                    SnapshotInfo active = snaps.get(key);
                    if (active == null) {
                        throw ContainerjException.notFound("snapshot %s does not exist: not found", key);
                    }
                    if (snaps.containsKey(name)) {
                        throw ContainerjException.alreadyExists("snapshot \"%s\": already exists", name);
                    }
                    SnapshotInfo p = snaps.get(parent);
                    if (p == null || p.kind() != SnapshotKind.COMMITTED || !active.parent().isEmpty()) {
                        throw ContainerjException.failedPrecondition("cannot rebase %s onto %s", key, parent);
                    }
                    snaps.remove(key);
                    snaps.put(name, new SnapshotInfo(name, parent, SnapshotKind.COMMITTED, labels, Instant.now(),
                            Instant.now()));
                    log.add("commit " + name + " onto " + parent);
                }
            }

            @Override
            public void remove(String key) {
                synchronized (snaps) {
                    if (snaps.remove(key) == null) {
                        throw ContainerjException.notFound("snapshot %s does not exist: not found", key);
                    }
                    log.add("remove " + key);
                }
            }

            @Override
            public void walk(List<String> filters, Consumer<SnapshotInfo> visitor) {
                List<SnapshotInfo> copy;
                synchronized (snaps) {
                    copy = List.copyOf(snaps.values());
                }
                copy.forEach(visitor);
            }
        };
    }
}
