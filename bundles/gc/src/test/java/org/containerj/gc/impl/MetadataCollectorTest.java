package org.containerj.gc.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.containerj.api.content.ContentStore;
import org.containerj.api.content.ContentWriter;
import org.containerj.api.content.Descriptor;
import org.containerj.api.content.Digest;
import org.containerj.api.errdefs.ContainerjException;
import org.containerj.api.errdefs.ErrorKind;
import org.containerj.api.gc.ResourceCollector;
import org.containerj.api.gc.ResourceRef;
import org.containerj.api.images.Image;
import org.containerj.api.leases.LeaseResource;
import org.containerj.api.metadata.MetadataLayout;
import org.containerj.content.impl.LocalContentStore;
import org.containerj.content.impl.MetadataContentStore;
import org.containerj.images.impl.MetadataImageStore;
import org.containerj.leases.impl.MetadataLeaseManager;
import org.containerj.metadata.impl.LmdbMetadataStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Garbage collection on the real LMDB store, with the real content store, leases and images. */
class MetadataCollectorTest {
    private static final String MANIFEST = "application/vnd.oci.image.manifest.v1+json";

    @TempDir
    Path dir;
    private LmdbMetadataStore db;
    private LocalContentStore local;
    private MetadataContentStore content;
    private MetadataLeaseManager leases;
    private MetadataImageStore images;
    private MetadataCollector gc;
    private final List<ResourceCollector> collectors = new ArrayList<>();

    @BeforeEach
    void open() throws IOException {
        db = LmdbMetadataStore.open(Files.createDirectories(dir.resolve("meta")), LmdbMetadataStore.Options.defaults(),
                List.of());
        local = LocalContentStore.open(dir.resolve("content"));
        content = new MetadataContentStore(db, local);
        leases = new MetadataLeaseManager(db);
        images = new MetadataImageStore(db);
        collectors.add(new ContentCollector(() -> content, () -> local));
        gc = new MetadataCollector(db, () -> collectors);
    }

    @AfterEach
    void close() {
        local.close();
        db.close();
    }

    static Digest sha256(String s) {
        try {
            return Digest.parse("sha256:" + HexFormat.of().formatHex(
                    MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8))));
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    private Digest commit(String ns, String lease, String data, Map<String, String> labels) {
        try (ContentWriter w = content.forNamespace(ns, lease).writer("ref-" + data.hashCode(), 0, null, Map.of())) {
            w.write(ByteBuffer.wrap(data.getBytes(StandardCharsets.UTF_8)));
            w.commit(data.length(), sha256(data), labels);
        }
        return sha256(data);
    }

    private boolean has(String ns, Digest d) {
        try {
            content.forNamespace(ns).info(d);
            return true;
        } catch (ContainerjException e) {
            assertEquals(ErrorKind.NOT_FOUND, e.kind());
            return false;
        }
    }

    private boolean underneath(Digest d) {
        try {
            local.info(d);
            return true;
        } catch (ContainerjException e) {
            return false;
        }
    }

    @Test
    void anImageKeepsWhatItsBlobsReferenceThroughLabels() {
        Digest layer = commit("default", null, "layer", Map.of());
        Digest config = commit("default", null, "config", Map.of());
        Digest manifest = commit("default", null, "manifest", Map.of(
                "containerd.io/gc.ref.content.config", config.toString(),
                "containerd.io/gc.ref.content.l.0", layer.toString()));
        Digest stray = commit("default", null, "stray", Map.of());
        images.create("default", new Image("img", Map.of(), new Descriptor(MANIFEST, manifest, 8)));

        var result = gc.collect();
        assertEquals(List.of(new ResourceRef("default", "content", stray.toString())), result.removed());
        assertTrue(has("default", manifest) && has("default", config) && has("default", layer));
        assertFalse(has("default", stray));
        assertFalse(underneath(stray), "a blob no namespace has is removed underneath");
        assertTrue(underneath(layer));

        images.delete("default", "img", null, false);
        gc.collect();
        for (Digest d : List.of(manifest, config, layer)) {
            assertFalse(has("default", d));
            assertFalse(underneath(d));
        }
    }

    @Test
    void aBlobAnotherNamespaceStillHasStaysUnderneath() {
        Digest shared = commit("a", null, "shared", Map.of());
        commit("b", null, "shared", Map.of("containerd.io/gc.root", "true"));
        gc.collect();
        assertFalse(has("a", shared));
        assertTrue(has("b", shared), "gc.root keeps a blob");
        assertTrue(underneath(shared));
    }

    @Test
    void leasesKeepContentUntilTheyExpireOrGo() {
        leases.create("default", "pull", Map.of());
        leases.create("default", "old", Map.of("containerd.io/gc.expire", "2001-01-01T00:00:00Z"));
        leases.create("default", "later", Map.of("containerd.io/gc.expire", Instant.now().plusSeconds(3600).toString()));
        Digest pulled = commit("default", "pull", "pulled", Map.of());
        Digest old = commit("default", "old", "old", Map.of());
        Digest later = commit("default", "later", "later", Map.of());
        Digest referenced = commit("default", null, "child", Map.of());
        leases.addResource("default", "pull", new LeaseResource(commit("default", null, "parent",
                Map.of("containerd.io/gc.ref.content", referenced.toString())).toString(), "content"));

        var removed = gc.collect().removed();
        assertTrue(removed.contains(new ResourceRef("default", "leases", "old")));
        assertTrue(has("default", pulled) && has("default", later) && has("default", referenced));
        assertFalse(has("default", old), "an expired lease keeps nothing");
        assertEquals(List.of("later", "pull"), leases.list("default", List.of()).stream().map(l -> l.id()).sorted()
                .toList());

        leases.delete("default", "pull");
        gc.collect();
        assertFalse(has("default", pulled));
        assertFalse(has("default", referenced));
        assertTrue(has("default", later));
    }

    @Test
    void anIngestUnderALeaseIsKeptAndAStaleOneGoes() {
        leases.create("default", "pull", Map.of());
        ContentWriter leased = content.forNamespace("default", "pull").writer("in-progress", 0, null, Map.of());
        leased.write(ByteBuffer.wrap("partial".getBytes(StandardCharsets.UTF_8)));
        leased.close();
        ContentWriter unleased = content.forNamespace("default").writer("fresh", 0, null, Map.of());
        unleased.write(ByteBuffer.wrap("fresh".getBytes(StandardCharsets.UTF_8)));
        unleased.close();
        // an ingest whose expiry passed, held by no lease
        ContentWriter stale = content.forNamespace("default").writer("stale", 0, null, Map.of());
        stale.write(ByteBuffer.wrap("stale".getBytes(StandardCharsets.UTF_8)));
        stale.close();
        db.update(tx -> {
            tx.put(MetadataLayout.bucket("default", "content", "ingests", "stale", "expireat"),
                    "2001-01-01T00:00:00Z".getBytes(StandardCharsets.UTF_8));
            return null;
        });

        var removed = gc.collect().removed();
        assertEquals(List.of(new ResourceRef("default", "ingests", "stale")), removed);
        assertEquals(7, content.forNamespace("default").status("in-progress").offset());
        assertEquals(5, content.forNamespace("default").status("fresh").offset());
        assertEquals(ErrorKind.NOT_FOUND, assertThrows(ContainerjException.class,
                () -> content.forNamespace("default").status("stale")).kind());
        assertEquals(2, local.listStatuses(List.of()).size(), "the stale ingest's data is gone underneath");

        // the pull goes on after the collection and commits under its lease
        try (ContentWriter w = content.forNamespace("default", "pull").writer("in-progress", 0, null, Map.of())) {
            w.write(ByteBuffer.wrap(" and the rest".getBytes(StandardCharsets.UTF_8)));
            w.commit(20, sha256("partial and the rest"), Map.of());
        }
        gc.collect();
        assertTrue(has("default", sha256("partial and the rest")));
    }

    @Test
    void snapshotReferencesNeedTheirCollector() {
        List<ResourceRef> seen = new ArrayList<>();
        collectors.add(new ResourceCollector() {
            @Override
            public Set<String> types() {
                return Set.of("snapshots/overlayfs");
            }

            @Override
            public void roots(org.containerj.api.metadata.ReadTransaction tx, String ns, Instant now,
                    java.util.function.Consumer<ResourceRef> out) {
            }

            @Override
            public void references(org.containerj.api.metadata.ReadTransaction tx, ResourceRef node,
                    java.util.function.Consumer<ResourceRef> out) {
                seen.add(node);
            }

            @Override
            public List<ResourceRef> sweep(org.containerj.api.metadata.WriteTransaction tx, String ns,
                    Set<ResourceRef> reachable) {
                return List.of();
            }

            @Override
            public void removed(List<ResourceRef> removed) {
            }
        });
        Digest config = commit("default", null, "cfg", Map.of("containerd.io/gc.ref.snapshot.overlayfs", "sha256:chain",
                "containerd.io/gc.ref.snapshot.native/1", "other"));
        images.create("default", new Image("img", Map.of(), new Descriptor(MANIFEST, config, 3)));
        gc.collect();
        assertEquals(List.of(new ResourceRef("default", "snapshots/overlayfs", "sha256:chain")), seen);
    }
    @Test
    void aContainerKeepsItsSnapshotAndWhatItsLabelsReference() {
        List<ResourceRef> seen = new ArrayList<>();
        collectors.add(new ResourceCollector() {
            @Override
            public Set<String> types() {
                return Set.of("snapshots/overlayfs");
            }

            @Override
            public void roots(org.containerj.api.metadata.ReadTransaction tx, String ns, Instant now,
                    java.util.function.Consumer<ResourceRef> out) {
            }

            @Override
            public void references(org.containerj.api.metadata.ReadTransaction tx, ResourceRef node,
                    java.util.function.Consumer<ResourceRef> out) {
                seen.add(node);
            }

            @Override
            public List<ResourceRef> sweep(org.containerj.api.metadata.WriteTransaction tx, String ns,
                    Set<ResourceRef> reachable) {
                return List.of();
            }

            @Override
            public void removed(List<ResourceRef> removed) {
            }
        });
        Digest kept = commit("ns1", null, "checkpoint", Map.of());
        Digest stray = commit("ns1", null, "stray blob", Map.of());
        var key = org.containerj.api.metadata.MetadataLayout.bucket("ns1",
                org.containerj.api.metadata.MetadataLayout.CONTAINERS, "c1");
        var record = org.containerj.proto.services.containers.v1.Container.newBuilder()
                .putLabels("containerd.io/gc.ref.content.checkpoint", kept.toString())
                .setSnapshotter("overlayfs").setSnapshotKey("c1-rootfs").setImage("no/such:image").build();
        db.update(tx -> {
            tx.put(key, record.toByteArray());
            return null;
        });

        var result = gc.collect();
        assertEquals(List.of(new ResourceRef("ns1", "content", stray.toString())), result.removed());
        assertTrue(has("ns1", kept));
        assertEquals(List.of(new ResourceRef("ns1", "snapshots/overlayfs", "c1-rootfs")), seen);

        db.update(tx -> {
            tx.delete(key);
            return null;
        });
        gc.collect();
        assertFalse(has("ns1", kept), "without its container the blob goes");
    }
}
