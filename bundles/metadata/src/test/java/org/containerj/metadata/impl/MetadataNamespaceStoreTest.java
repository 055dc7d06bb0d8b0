package org.containerj.metadata.impl;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.containerj.api.errdefs.ContainerjException;
import org.containerj.api.errdefs.ErrorKind;
import org.containerj.api.metadata.Entry;
import org.containerj.api.metadata.Key;
import org.containerj.api.metadata.MetadataLayout;
import org.containerj.api.namespaces.Namespace;
import org.containerj.api.namespaces.NamespaceStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

class MetadataNamespaceStoreTest {

    @TempDir
    Path dir;

    private LmdbMetadataStore store;
    private NamespaceStore namespaces;

    @BeforeEach
    void open() {
        store = LmdbMetadataStore.open(dir, LmdbMetadataStore.Options.defaults(), Migrations.ALL);
        namespaces = new MetadataNamespaceStore(store);
    }

    @AfterEach
    void close() {
        store.close();
    }

    private static ContainerjException fails(ErrorKind kind, Executable call) {
        ContainerjException e = assertThrows(ContainerjException.class, call);
        assertEquals(kind, e.kind(), e.getMessage());
        return e;
    }

    private List<Entry> everything() {
        return store.view(tx -> tx.scan(Key.ROOT));
    }

    @Test
    void aFreshStoreHasNoNamespaces() {
        assertEquals(List.of(), namespaces.list());
        fails(ErrorKind.NOT_FOUND, () -> namespaces.get("default"));
    }

    @Test
    void createGetList() {
        assertEquals(new Namespace("k8s.io", Map.of("a", "1")), namespaces.create("k8s.io", Map.of("a", "1")));
        namespaces.create("default", Map.of());
        namespaces.create("b-2_x", Map.of("empty", "", "full", "1"));
        assertEquals(new Namespace("k8s.io", Map.of("a", "1")), namespaces.get("k8s.io"));
        assertEquals(new Namespace("default", Map.of()), namespaces.get("default"));
        assertEquals(Map.of("full", "1"), namespaces.get("b-2_x").labels(),
                "as through containerd's namespaces service (Create, then SetLabel per label), no empty value");
        assertEquals(List.of("b-2_x", "default", "k8s.io"), namespaces.list().stream().map(Namespace::name).toList());
    }

    @Test
    void createOfAnExistingNamespaceIsAlreadyExists() {
        namespaces.create("default", Map.of("a", "1"));
        ContainerjException e = fails(ErrorKind.ALREADY_EXISTS, () -> namespaces.create("default", Map.of("b", "2")));
        assertEquals("namespace \"default\": already exists", e.getMessage());
        assertEquals(Map.of("a", "1"), namespaces.get("default").labels());
    }

    @Test
    void namesMustBeIdentifiers() {
        String longest = "a".repeat(76);
        namespaces.create(longest, Map.of());
        for (String bad : new String[] {"", "a".repeat(77), "-a", "a-", "a..b", "a/b", "a b", "ä", "a\0b", ".", "a_"}) {
            fails(ErrorKind.INVALID_ARGUMENT, () -> namespaces.create(bad, Map.of()));
            fails(ErrorKind.INVALID_ARGUMENT, () -> namespaces.get(bad));
            fails(ErrorKind.INVALID_ARGUMENT, () -> namespaces.delete(bad));
            fails(ErrorKind.INVALID_ARGUMENT, () -> namespaces.setLabel(bad, "k", "v"));
        }
        assertEquals(List.of(longest), namespaces.list().stream().map(Namespace::name).toList());
    }

    @Test
    void labelsAreLimitedLikeContainerds() {
        String key = "k".repeat(96);
        String fits = "v".repeat(4096 - 96);
        assertEquals(fits, namespaces.create("ns", Map.of(key, fits)).labels().get(key));
        assertEquals(fits, namespaces.get("ns").labels().get(key), "labels far beyond LMDB's key limit are stored");
        ContainerjException e = fails(ErrorKind.INVALID_ARGUMENT, () -> namespaces.create("other", Map.of(key, fits + "v")));
        assertTrue(e.getMessage().startsWith("namespace.Labels: "), e.getMessage());
        fails(ErrorKind.INVALID_ARGUMENT, () -> namespaces.create("other", Map.of("", "v")));
        fails(ErrorKind.INVALID_ARGUMENT, () -> namespaces.setLabel("ns", key, fits + "v"));
        fails(ErrorKind.INVALID_ARGUMENT, () -> namespaces.update("ns", Map.of(key, fits + "v"), List.of()));
        fails(ErrorKind.NOT_FOUND, () -> namespaces.get("other"));
        assertEquals(Map.of(key, fits), namespaces.get("ns").labels());
    }

    @Test
    void setLabelSetsAndEmptyRemoves() {
        namespaces.create("ns", Map.of("a", "1"));
        assertEquals(Map.of("a", "1", "b", "2"), namespaces.setLabel("ns", "b", "2").labels());
        assertEquals(Map.of("a", "9", "b", "2"), namespaces.setLabel("ns", "a", "9").labels());
        assertEquals(Map.of("b", "2"), namespaces.setLabel("ns", "a", "").labels());
        assertEquals(Map.of(), namespaces.setLabel("ns", "b", null).labels());
        assertEquals(new Namespace("ns", Map.of()), namespaces.get("ns"), "a namespace without labels still exists");
        assertEquals(Map.of("x", "y"), namespaces.setLabel("fresh", "x", "y").labels(),
                "like containerd, setting a label creates the namespace");
        assertEquals(List.of("fresh", "ns"), namespaces.list().stream().map(Namespace::name).toList());
    }

    @Test
    void updateReplacesAllLabelsOrTheNamedOnes() {
        namespaces.create("ns", Map.of("a", "1", "b", "2"));
        assertEquals(Map.of("c", "3"), namespaces.update("ns", Map.of("c", "3", "d", ""), List.of()).labels());
        assertEquals(Map.of("c", "3", "e", "5"),
                namespaces.update("ns", Map.of("e", "5", "ignored", "x"), List.of("labels.e")).labels());
        assertEquals(Map.of("e", "5"), namespaces.update("ns", Map.of(), List.of("labels.c")).labels());
        ContainerjException e = fails(ErrorKind.INVALID_ARGUMENT,
                () -> namespaces.update("ns", Map.of("f", "6"), List.of("labels.f", "name")));
        assertEquals("cannot update \"name\" field on namespace \"ns\"", e.getMessage());
        assertEquals(Map.of("e", "5"), namespaces.get("ns").labels());
        assertEquals(Map.of(), namespaces.update("ns", null, null).labels());
    }

    @Test
    void deleteRemovesTheNamespaceAndItsLabels() {
        namespaces.create("ns", Map.of("a", "1"));
        namespaces.create("ns2", Map.of());
        namespaces.delete("ns");
        fails(ErrorKind.NOT_FOUND, () -> namespaces.get("ns"));
        assertEquals(List.of("ns2"), namespaces.list().stream().map(Namespace::name).toList());
        ContainerjException e = fails(ErrorKind.NOT_FOUND, () -> namespaces.delete("ns"));
        assertEquals("namespace \"ns\": not found", e.getMessage());
        namespaces.create("ns", Map.of());
        assertEquals(Map.of(), namespaces.get("ns").labels(), "a re-created namespace starts without old labels");
    }

    @Test
    void deleteOfANamespaceHoldingAnImageIsFailedPreconditionAndChangesNothing() {
        namespaces.create("ns", Map.of("a", "1"));
        store.update(tx -> {
            tx.put(MetadataLayout.bucket("ns", MetadataLayout.IMAGES, "docker.io/library/busybox:latest"),
                    "image".getBytes(UTF_8));
            return null;
        });
        List<Entry> before = everything();
        ContainerjException e = fails(ErrorKind.FAILED_PRECONDITION, () -> namespaces.delete("ns"));
        assertEquals("namespace \"ns\" must be empty, but it still has images", e.getMessage());
        List<Entry> after = everything();
        assertEquals(before.stream().map(Entry::key).toList(), after.stream().map(Entry::key).toList());
        assertEquals(new Namespace("ns", Map.of("a", "1")), namespaces.get("ns"));
    }

    @Test
    void theFailedPreconditionNamesEverythingLeft() {
        store.update(tx -> {
            byte[] x = new byte[] {1};
            tx.put(MetadataLayout.bucket("ns", MetadataLayout.LEASES, "l1"), x);
            tx.put(MetadataLayout.bucket("ns", MetadataLayout.SNAPSHOTS, "overlayfs", "k1"), x);
            tx.put(MetadataLayout.bucket("ns", MetadataLayout.SNAPSHOTS, "btrfs", "k1"), x);
            tx.put(MetadataLayout.bucket("ns", MetadataLayout.CONTAINERS, "c1"), x);
            tx.put(MetadataLayout.bucket("ns", MetadataLayout.CONTENT, MetadataLayout.BLOB, "sha256:ab"), x);
            tx.put(MetadataLayout.bucket("ns", MetadataLayout.CONTENT, MetadataLayout.INGESTS, "ref"), x);
            tx.put(MetadataLayout.bucket("ns", MetadataLayout.IMAGES, "i"), x);
            tx.put(MetadataLayout.bucket("ns", MetadataLayout.SANDBOXES, "s"), x);
            return null;
        });
        ContainerjException e = fails(ErrorKind.FAILED_PRECONDITION, () -> namespaces.delete("ns"));
        assertEquals("namespace \"ns\" must be empty, but it still has images, blobs, containers, "
                + "snapshots on \"btrfs\" snapshotter, snapshots on \"overlayfs\" snapshotter", e.getMessage());
        assertEquals(8, everything().size());
    }

    @Test
    void leasesIngestsAndSandboxesGoWithTheNamespaceAsInContainerd() {
        namespaces.create("ns", Map.of());
        store.update(tx -> {
            byte[] x = new byte[] {1};
            tx.put(MetadataLayout.bucket("ns", MetadataLayout.LEASES, "l1"), x);
            tx.put(MetadataLayout.bucket("ns", MetadataLayout.CONTENT, MetadataLayout.INGESTS, "ref"), x);
            tx.put(MetadataLayout.bucket("ns", MetadataLayout.SANDBOXES, "s"), x);
            return null;
        });
        namespaces.delete("ns");
        assertEquals(List.of(), everything());
    }

    @Test
    void aNamespaceComesIntoBeingWithItsFirstObject() {
        store.update(tx -> {
            tx.put(MetadataLayout.bucket("default", MetadataLayout.CONTAINERS, "c1"), new byte[] {1});
            return null;
        });
        assertEquals(List.of(new Namespace("default", Map.of())), namespaces.list());
        assertEquals(new Namespace("default", Map.of()), namespaces.get("default"));
        fails(ErrorKind.ALREADY_EXISTS, () -> namespaces.create("default", Map.of()));
        store.update(tx -> tx.delete(MetadataLayout.bucket("default", MetadataLayout.CONTAINERS, "c1")));
        namespaces.create("default", Map.of("now", "labelled"));
        assertEquals(Map.of("now", "labelled"), namespaces.get("default").labels());
    }

    @Test
    void namespacesPersistAcrossReopen() {
        namespaces.create("default", Map.of("a", "1"));
        namespaces.create("k8s.io", Map.of());
        namespaces.setLabel("k8s.io", "b", "2");
        store.close();
        open();
        assertEquals(List.of(new Namespace("default", Map.of("a", "1")), new Namespace("k8s.io", Map.of("b", "2"))),
                namespaces.list());
    }
}
