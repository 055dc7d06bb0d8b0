package org.containerj.snapshots.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

import org.containerj.api.errdefs.ContainerjException;
import org.containerj.api.errdefs.ErrorKind;
import org.containerj.api.leases.LeaseResource;
import org.containerj.api.metadata.Entry;
import org.containerj.api.metadata.Key;
import org.containerj.api.mount.Mount;
import org.containerj.api.snapshots.SnapshotInfo;
import org.containerj.api.snapshots.SnapshotKind;
import org.containerj.api.snapshots.Snapshotter;
import org.containerj.leases.impl.MetadataLeaseManager;
import org.containerj.metadata.impl.LmdbMetadataStore;
import org.containerj.metadata.impl.MetadataNamespaceStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.google.protobuf.Message;

/** The namespacing snapshot service on the real LMDB store, over a snapshotter without file system. */
class MetadataSnapshottersTest {
    @TempDir
    Path dir;
    private LmdbMetadataStore db;
    private StoreSnapshotter backend;
    private SnapshotterRegistry registry;
    private MetadataSnapshotters service;
    private final List<String> events = new CopyOnWriteArrayList<>();
    private final List<Runnable> pendingCollections = new ArrayList<>();

    @BeforeEach
    void open() {
        db = LmdbMetadataStore.open(dir.resolve("meta"), LmdbMetadataStore.Options.defaults(), List.of());
        backend = new StoreSnapshotter(dir.resolve("backend"));
        MetadataSnapshotters[] self = new MetadataSnapshotters[1];
        registry = new SnapshotterRegistry(id -> self[0].known(id));
        service = new MetadataSnapshotters(db, registry::get, this::published, pendingCollections::add);
        self[0] = service;
        registry.add("overlayfs", backend);
    }

    @AfterEach
    void close() {
        backend.close();
        db.close();
    }

    private void published(String namespace, String topic, Message event) {
        events.add(namespace + " " + topic + " " + event.getDescriptorForType().getName() + " "
                + event.toString().replace("\n", " ").trim());
    }

    private void runCollections() {
        List<Runnable> run = new ArrayList<>(pendingCollections);
        pendingCollections.clear();
        run.forEach(Runnable::run);
    }

    private Snapshotter ns(String namespace) {
        return service.forNamespace("overlayfs", namespace);
    }

    private static ErrorKind kindOf(Runnable r) {
        return assertThrows(ContainerjException.class, r::run).kind();
    }

    private List<String> names(Snapshotter s, String... filters) {
        List<String> names = new ArrayList<>();
        s.walk(Arrays.asList(filters), i -> names.add(i.name()));
        return names;
    }

    /** Every key and value of the metadata store, to check that a failed call changed nothing. */
    private List<String> metadata() {
        return db.view(tx -> {
            List<String> all = new ArrayList<>();
            for (Entry e : tx.scan(Key.ROOT)) {
                if (!e.key().segment(0).equals("snapshotters")) { // the sequence may advance
                    all.add(e.key() + "=" + Arrays.toString(e.value()));
                }
            }
            return all;
        });
    }

    @Test
    void namespacesHaveTheirOwnKeys() {
        List<Mount> a = ns("one").prepare("k", "", Map.of());
        List<Mount> b = ns("two").prepare("k", "", Map.of());
        assertFalse(a.equals(b), "two snapshots underneath");
        assertEquals(List.of("one/1/k", "two/2/k"), backend.keys(), "backend keys are <namespace>/<n>/<key>");
        ns("one").commit("base", "k", Map.of("owner", "one"));
        assertEquals(List.of("base"), names(ns("one")));
        assertEquals(List.of("k"), names(ns("two")));
        assertEquals(ErrorKind.NOT_FOUND, kindOf(() -> ns("two").stat("base")));
        assertEquals(ErrorKind.NOT_FOUND, kindOf(() -> ns("three").mounts("k")));
        assertEquals(ErrorKind.NOT_FOUND, kindOf(() -> ns("two").prepare("x", "base", Map.of())),
                "a parent of another namespace is not found");
        assertEquals(SnapshotKind.COMMITTED, ns("one").stat("base").kind());
        assertEquals(SnapshotKind.ACTIVE, ns("two").stat("k").kind());
        assertEquals(Map.of("owner", "one"), ns("one").stat("base").labels());
        assertTrue(backend.keys().contains("one/3/base"), backend.keys().toString());
        assertEquals(ErrorKind.INVALID_ARGUMENT, kindOf(() -> service.forNamespace("overlayfs", "bad name!")));
        assertTrue(new MetadataNamespaceStore(db).list().stream().anyMatch(n -> n.name().equals("two")),
                "creating a snapshot creates its namespace");
    }

    @Test
    void chainViewMountsAndRemove() {
        Snapshotter s = ns("default");
        s.prepare("a", "", Map.of());
        s.commit("A", "a", Map.of());
        List<Mount> b = s.prepare("b", "A", Map.of());
        assertEquals(b, s.mounts("b"));
        s.view("v", "A", Map.of());
        assertEquals(SnapshotKind.VIEW, s.stat("v").kind());
        assertEquals("A", s.stat("v").parent());
        assertEquals(List.of("b", "v"), names(s, "parent==A"));
        assertEquals(List.of("b"), names(s, "kind==active"));
        assertEquals(List.of("A", "v"), names(s, "kind==committed", "name==v"));
        assertEquals(ErrorKind.INVALID_ARGUMENT, kindOf(() -> names(s, "name==\"")));

        List<String> before = metadata();
        List<String> backendBefore = backend.keys();
        assertEquals(ErrorKind.FAILED_PRECONDITION, kindOf(() -> s.remove("A")));
        assertEquals(ErrorKind.ALREADY_EXISTS, kindOf(() -> s.prepare("b", "", Map.of())));
        assertEquals(ErrorKind.ALREADY_EXISTS, kindOf(() -> s.commit("A", "b", Map.of())));
        assertEquals(ErrorKind.NOT_FOUND, kindOf(() -> s.commit("C", "nope", Map.of())));
        assertEquals(ErrorKind.FAILED_PRECONDITION, kindOf(() -> s.commit("V", "v", Map.of())), "a view cannot be committed");
        assertEquals(ErrorKind.INVALID_ARGUMENT, kindOf(() -> s.prepare("c", "b", Map.of())), "parent must be committed");
        assertEquals(ErrorKind.NOT_FOUND, kindOf(() -> s.prepare("c", "missing", Map.of())));
        assertEquals(ErrorKind.NOT_FOUND, kindOf(() -> s.remove("missing")));
        assertEquals(ErrorKind.UNKNOWN, kindOf(() -> s.prepare("", "", Map.of())), "containerd: bucket name required");
        assertEquals(ErrorKind.INVALID_ARGUMENT, kindOf(() -> s.prepare("c", "", Map.of("", "v"))));
        assertEquals(ErrorKind.INVALID_ARGUMENT, kindOf(() -> s.prepare("c", "", Map.of("k", "v".repeat(5000)))));
        assertEquals(ErrorKind.INVALID_ARGUMENT, kindOf(() -> s.prepare("x".repeat(600), "", Map.of())), "key too long");
        assertEquals(ErrorKind.INVALID_ARGUMENT, kindOf(() -> s.update(info("A", Map.of()), Set.of("kind"))));
        assertEquals(before, metadata(), "failed calls change no metadata");
        runCollections();
        assertEquals(backendBefore, backend.keys(), "and no snapshot underneath");

        s.remove("b");
        s.remove("v");
        assertEquals(List.of("A"), names(s));
        assertEquals(3, backend.keys().size(), "removal underneath waits for the collector");
        runCollections();
        assertEquals(List.of("default/2/A"), backend.keys());
        assertEquals(1, backend.cleanups, "and the snapshotter is asked to reclaim space");
        s.remove("A");
        service.collect("overlayfs");
        assertEquals(List.of(), backend.keys());
    }

    @Test
    void eventsForPrepareCommitRemove() {
        Snapshotter s = ns("ev");
        s.prepare("a", "", Map.of());
        s.view("v", "", Map.of());
        s.commit("A", "a", Map.of());
        s.remove("A");
        assertEquals(3, events.size(), events.toString());
        assertEquals("ev /snapshot/prepare SnapshotPrepare key: \"a\" snapshotter: \"overlayfs\"", events.get(0));
        assertEquals("ev /snapshot/commit SnapshotCommit key: \"a\" name: \"A\" snapshotter: \"overlayfs\"", events.get(1));
        assertEquals("ev /snapshot/remove SnapshotRemove key: \"A\" snapshotter: \"overlayfs\"", events.get(2));
    }

    private static SnapshotInfo info(String name, Map<String, String> labels) {
        return new SnapshotInfo(name, "", SnapshotKind.UNKNOWN, labels, null, null);
    }

    @Test
    void labelsAndTheOnesTheSnapshotterInherits() {
        Snapshotter s = ns("default");
        String inherited = "containerd.io/snapshot/remote";
        s.prepare("a", "", Map.of("x", "1", inherited, "yes"));
        assertEquals(Map.of(inherited, "yes"), backend.labelsSeen.get(0), "only containerd.io/snapshot/ labels go down");
        assertEquals(Map.of("x", "1", inherited, "yes"), s.stat("a").labels());
        SnapshotInfo updated = s.update(info("a", Map.of("x", "2", "y", "3")), Set.of("labels.x", "labels.y"));
        assertEquals(Map.of("x", "2", "y", "3", inherited, "yes"), updated.labels());
        updated = s.update(info("a", Map.of("z", "4")), Set.of());
        assertEquals(Map.of("z", "4"), updated.labels(), "no paths: all labels replaced");
        assertEquals(Map.of(), backend.stat("default/1/a").labels());
        assertEquals(Map.of("z", "4"), s.stat("a").labels());
        assertTrue(s.stat("a").updatedAt().isAfter(s.stat("a").createdAt()));
        assertEquals(List.of("a"), names(s, "labels.z==4"));
        assertEquals(ErrorKind.NOT_FOUND, kindOf(() -> s.update(info("nope", Map.of()), Set.of())));
        assertEquals(ErrorKind.INVALID_ARGUMENT, kindOf(() -> s.update(info("", Map.of()), Set.of())));
    }

    @Test
    void targetReferenceThatExistsIsAlreadyExists() {
        Snapshotter s = ns("default");
        s.prepare("extract-1", "", Map.of());
        s.commit("sha256:layer", "extract-1", Map.of());
        List<String> before = metadata();
        ContainerjException e = assertThrows(ContainerjException.class,
                () -> s.prepare("extract-2", "", Map.of("containerd.io/snapshot.ref", "sha256:layer")));
        assertEquals(ErrorKind.ALREADY_EXISTS, e.kind());
        assertTrue(e.getMessage().contains("target snapshot"), e.getMessage());
        assertEquals(before, metadata());
    }

    @Test
    void leasesHoldWhatIsCreatedUnderThem() {
        MetadataLeaseManager leases = new MetadataLeaseManager(db);
        leases.create("default", "pull", Map.of());
        Snapshotter s = service.forNamespace("overlayfs", "default", "pull");
        s.prepare("a", "", Map.of());
        assertEquals(List.of(new LeaseResource("a", "snapshots/overlayfs")), leases.listResources("default", "pull"));
        s.commit("A", "a", Map.of());
        assertEquals(List.of(new LeaseResource("A", "snapshots/overlayfs")), leases.listResources("default", "pull"));

        Snapshotter unknown = service.forNamespace("overlayfs", "default", "no-such-lease");
        List<String> before = metadata();
        assertEquals(ErrorKind.NOT_FOUND, kindOf(() -> unknown.prepare("b", "", Map.of())));
        assertEquals(before, metadata());
        runCollections();
        assertEquals(1, backend.keys().size(), "nothing was created underneath");
    }

    @Test
    void snapshotterThatComesAndGoes() {
        ContainerjException e = assertThrows(ContainerjException.class, () -> service.forNamespace("btrfs", "default").stat("x"));
        assertEquals(ErrorKind.INVALID_ARGUMENT, e.kind());
        assertEquals("snapshotter not loaded: btrfs: invalid argument", e.getMessage());

        ns("default").prepare("a", "", Map.of("k", "v"));
        registry.remove("overlayfs", backend);
        e = assertThrows(ContainerjException.class, () -> ns("default").stat("a"));
        assertEquals(ErrorKind.UNAVAILABLE, e.kind());
        assertEquals("plugin io.containerd.snapshotter.v1.overlayfs is not available", e.getMessage());
        assertEquals(ErrorKind.UNAVAILABLE, kindOf(() -> ns("default").remove("a")));
        assertEquals(ErrorKind.UNAVAILABLE, kindOf(() -> names(ns("default"))));

        // a fresh registry (a daemon restart) still knows the snapshotter was used
        SnapshotterRegistry fresh = new SnapshotterRegistry(service::known);
        assertEquals(ErrorKind.UNAVAILABLE, assertThrows(ContainerjException.class, () -> fresh.get("overlayfs")).kind());

        // it comes back (a new instance on the same directory): its snapshots are there again
        backend.close();
        backend = new StoreSnapshotter(dir.resolve("backend"));
        registry.add("overlayfs", backend);
        assertEquals(Map.of("k", "v"), ns("default").stat("a").labels());
        assertEquals(List.of("a"), names(ns("default")));
    }

    @Test
    void collectorRemovesWhatNoNamespaceRefersTo() {
        Snapshotter s = ns("default");
        s.prepare("a", "", Map.of());
        s.commit("A", "a", Map.of());
        s.prepare("b", "A", Map.of());
        // left over underneath, e.g. by a crash between the snapshotter and the metadata
        backend.prepare("default/99/orphan", "default/2/A", Map.of());
        backend.prepare("gone/98/x", "", Map.of());
        backend.commit("gone/97/X", "gone/98/x", Map.of());
        backend.prepare("gone/96/y", "gone/97/X", Map.of());
        List<String> removed = service.collect("overlayfs");
        assertEquals(Set.of("default/99/orphan", "gone/96/y", "gone/97/X"), Set.copyOf(removed));
        assertEquals(List.of("default/2/A", "default/3/b"), backend.keys());
        assertEquals(List.of("A", "b"), names(s));
    }

    @Test
    void listingManySnapshotsGoesInBatches() {
        Snapshotter s = ns("default");
        for (int i = 0; i < 250; i++) {
            s.prepare(String.format("k%03d", i), "", Map.of("n", Integer.toString(i % 2)));
        }
        assertEquals(250, names(s).size());
        assertEquals(125, names(s, "labels.n==1").size());
        // backend snapshots gone underneath are skipped, as containerd does
        backend.remove("default/1/k000");
        assertEquals(249, names(s).size());
        assertEquals(ErrorKind.NOT_FOUND, kindOf(() -> s.stat("k000")));
    }

    @Test
    void usageComesFromTheSnapshotter() {
        Snapshotter s = ns("default");
        s.prepare("a", "", Map.of());
        assertEquals(100, s.usage("a").size());
        assertEquals(ErrorKind.NOT_FOUND, kindOf(() -> s.usage("b")));
    }

    /** What containerd 1.6.20 answers for empty keys and a namespace without snapshots (checked side by side). */
    @Test
    void emptyKeysAndAnEmptyNamespaceFailAsInContainerd() {
        Snapshotter s = ns("keys");
        ContainerjException noSnapshotter = assertThrows(ContainerjException.class, () -> s.commit("c", "nope", Map.of()));
        assertEquals(ErrorKind.NOT_FOUND, noSnapshotter.kind());
        assertTrue(noSnapshotter.getMessage().startsWith("can not find snapshotter \"overlayfs\""),
                noSnapshotter.getMessage());
        s.prepare("a", "", Map.of());
        assertEquals(ErrorKind.NOT_FOUND, kindOf(() -> s.commit("c", "nope", Map.of())));
        assertEquals(ErrorKind.UNKNOWN, kindOf(() -> s.view("", "", Map.of())));
        assertEquals(ErrorKind.UNKNOWN, kindOf(() -> s.commit("", "a", Map.of())));
        assertEquals(ErrorKind.NOT_FOUND, kindOf(() -> s.commit("c", "", Map.of())));
        assertEquals(ErrorKind.NOT_FOUND, kindOf(() -> s.stat("")));
        assertEquals(ErrorKind.NOT_FOUND, kindOf(() -> s.usage("")));
        assertEquals(ErrorKind.NOT_FOUND, kindOf(() -> s.mounts("")));
        assertEquals(ErrorKind.NOT_FOUND, kindOf(() -> s.remove("")));
        assertEquals(List.of("a"), names(s));
    }
}
