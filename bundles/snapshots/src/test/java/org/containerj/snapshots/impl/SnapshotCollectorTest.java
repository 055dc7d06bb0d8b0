package org.containerj.snapshots.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.containerj.api.gc.ResourceRef;
import org.containerj.api.snapshots.Snapshotter;
import org.containerj.gc.impl.MetadataCollector;
import org.containerj.leases.impl.MetadataLeaseManager;
import org.containerj.metadata.impl.LmdbMetadataStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Snapshots under containerj's garbage collector, as containerd collects them. */
class SnapshotCollectorTest {
    @TempDir
    Path dir;
    private LmdbMetadataStore db;
    private StoreSnapshotter backend;
    private MetadataSnapshotters service;
    private MetadataCollector gc;

    @BeforeEach
    void open() {
        db = LmdbMetadataStore.open(dir.resolve("meta"), LmdbMetadataStore.Options.defaults(), List.of());
        backend = new StoreSnapshotter(dir.resolve("backend"));
        service = new MetadataSnapshotters(db, id -> backend, (ns, topic, event) -> { }, Runnable::run);
        SnapshotCollector collector = new SnapshotCollector(db, service);
        gc = new MetadataCollector(db, () -> List.of(collector));
    }

    @AfterEach
    void close() {
        backend.close();
        db.close();
    }

    private List<String> names(String ns) {
        List<String> names = new ArrayList<>();
        service.forNamespace("overlayfs", ns).walk(List.of(), i -> names.add(i.name()));
        return names;
    }

    @Test
    void unreachableSnapshotsGoAndTheirParentsWithThem() {
        Snapshotter s = service.forNamespace("overlayfs", "default");
        s.prepare("base-key", "", Map.of());
        s.commit("base", "base-key", Map.of());
        s.prepare("rooted", "base", Map.of(ResourceRef.ROOT_LABEL, "2024-01-01T00:00:00Z"));
        s.prepare("loose", "", Map.of());
        s.prepare("other-base-key", "", Map.of());
        s.commit("other-base", "other-base-key", Map.of());
        s.prepare("loose-child", "other-base", Map.of());
        s.prepare("points", "", Map.of(ResourceRef.ROOT_LABEL, "x",
                "containerd.io/gc.ref.snapshot.overlayfs", "kept-by-label"));
        s.prepare("kept-by-label-key", "", Map.of());
        s.commit("kept-by-label", "kept-by-label-key", Map.of());

        var result = gc.collect();
        assertEquals(Set.of("loose", "loose-child", "other-base"),
                Set.copyOf(result.removed().stream().map(ResourceRef::id).toList()));
        assertEquals(List.of("base", "kept-by-label", "points", "rooted"), names("default"),
                "a root keeps its parent; a gc.ref label keeps what it names");
        List<String> backendKeys = backend.keys();
        assertEquals(4, backendKeys.size(), "the snapshotter's copies are removed too: " + backendKeys);
        assertTrue(backend.cleanups > 0);
        s.remove("rooted");
        s.remove("base"); // no child link was left behind
    }

    @Test
    void leasesHoldSnapshotsUntilTheyAreDeleted() {
        MetadataLeaseManager leases = new MetadataLeaseManager(db);
        leases.create("default", "unpack", Map.of());
        Snapshotter leased = service.forNamespace("overlayfs", "default", "unpack");
        leased.prepare("extract", "", Map.of());
        leased.commit("sha256:layer", "extract", Map.of());
        gc.collect();
        assertEquals(List.of("sha256:layer"), names("default"));
        leases.delete("default", "unpack");
        gc.collect();
        assertEquals(List.of(), names("default"));
        assertEquals(List.of(), backend.keys());
    }
}
