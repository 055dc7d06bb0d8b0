package org.containerj.snapshots.impl;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

import org.containerj.api.mount.Mount;
import org.containerj.api.snapshots.SnapshotInfo;
import org.containerj.api.snapshots.SnapshotUsage;
import org.containerj.api.snapshots.Snapshotter;
import org.containerj.snapshots.storage.SnapshotStore;
import org.containerj.snapshots.storage.StoredSnapshot;

/**
 * A snapshotter with the shared storage rules and no file system: mounts name
 * {@code /fake/<id>}. Records the labels it was given and counts cleanups.
 */
public final class StoreSnapshotter implements Snapshotter, AutoCloseable {
    final SnapshotStore store;
    final List<Map<String, String>> labelsSeen = new ArrayList<>();
    int cleanups;

    public StoreSnapshotter(Path dir) {
        store = SnapshotStore.open(dir);
    }

    @Override
    public void close() {
        store.close();
    }

    private static List<Mount> mountsOf(StoredSnapshot s) {
        return List.of(new Mount("bind", "/fake/" + s.id(), List.of(s.kind().name().toLowerCase(), "rbind")));
    }

    @Override
    public SnapshotInfo stat(String key) {
        return store.view(tx -> tx.entry(key).info());
    }

    @Override
    public SnapshotInfo update(SnapshotInfo info, Set<String> fieldPaths) {
        labelsSeen.add(info.labels());
        return store.update(tx -> tx.update(info, fieldPaths));
    }

    @Override
    public SnapshotUsage usage(String key) {
        return new SnapshotUsage(1, store.view(tx -> tx.entry(key).id()) * 100);
    }

    @Override
    public List<Mount> mounts(String key) {
        return mountsOf(store.view(tx -> tx.snapshot(key)));
    }

    @Override
    public List<Mount> prepare(String key, String parent, Map<String, String> labels) {
        labelsSeen.add(labels);
        return mountsOf(store.update(tx -> tx.create(org.containerj.api.snapshots.SnapshotKind.ACTIVE, key, parent, labels)));
    }

    @Override
    public List<Mount> view(String key, String parent, Map<String, String> labels) {
        labelsSeen.add(labels);
        return mountsOf(store.update(tx -> tx.create(org.containerj.api.snapshots.SnapshotKind.VIEW, key, parent, labels)));
    }

    @Override
    public void commit(String name, String key, Map<String, String> labels) {
        labelsSeen.add(labels);
        store.update(tx -> tx.commit(key, name, new SnapshotUsage(0, 0), labels));
    }

    @Override
    public void remove(String key) {
        store.update(tx -> tx.remove(key));
    }

    @Override
    public void walk(List<String> filters, Consumer<SnapshotInfo> visitor) {
        store.view(tx -> {
            tx.walk(filters, visitor);
            return null;
        });
    }

    @Override
    public void cleanup() {
        cleanups++;
    }

    /** Backend keys, in order. */
    List<String> keys() {
        List<String> keys = new ArrayList<>();
        walk(List.of(), i -> keys.add(i.name()));
        return keys;
    }
}
