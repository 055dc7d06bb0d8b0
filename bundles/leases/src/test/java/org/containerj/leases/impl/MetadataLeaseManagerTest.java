package org.containerj.leases.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.containerj.api.errdefs.ContainerjException;
import org.containerj.api.errdefs.ErrorKind;
import org.containerj.api.leases.LeaseResource;
import org.containerj.metadata.impl.LmdbMetadataStore;
import org.containerj.metadata.impl.MetadataNamespaceStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MetadataLeaseManagerTest {
    private static final String DIGEST = "sha256:" + "a".repeat(64);

    @TempDir
    Path dir;
    private LmdbMetadataStore store;
    private MetadataLeaseManager leases;

    @BeforeEach
    void open() {
        store = LmdbMetadataStore.open(dir, LmdbMetadataStore.Options.defaults(), List.of());
        leases = new MetadataLeaseManager(store);
    }

    @AfterEach
    void close() {
        store.close();
    }

    private static ErrorKind kindOf(Runnable r) {
        return assertThrows(ContainerjException.class, r::run).kind();
    }

    @Test
    void createListDelete() {
        leases.create("default", "pull-1", Map.of("containerd.io/gc.expire", "2030-01-01T00:00:00Z"));
        String generated = leases.create("default", "", Map.of()).id();
        assertFalse(generated.isEmpty());
        assertEquals(2, leases.list("default", List.of()).size());
        assertEquals(List.of("pull-1"), leases.list("default", List.of("labels.\"containerd.io/gc.expire\"")).stream()
                .map(l -> l.id()).toList());
        assertEquals(0, leases.list("other", List.of()).size(), "leases are per namespace");
        assertEquals(ErrorKind.ALREADY_EXISTS, kindOf(() -> leases.create("default", "pull-1", Map.of())));
        leases.delete("default", "pull-1");
        assertEquals(ErrorKind.NOT_FOUND, kindOf(() -> leases.delete("default", "pull-1")));
    }

    @Test
    void anEmptyLabelValueIsNotStored() {
        assertEquals(Map.of("full", "1"), leases.create("default", "l", Map.of("empty", "", "full", "1")).labels());
        assertEquals(Map.of("full", "1"), leases.list("default", List.of()).get(0).labels());
        assertEquals(List.of(), leases.list("default", List.of("labels.empty")));
    }

    @Test
    void resources() {
        leases.create("default", "l", Map.of());
        leases.addResource("default", "l", new LeaseResource(DIGEST, "content"));
        leases.addResource("default", "l", new LeaseResource("ref-1", "ingests"));
        leases.addResource("default", "l", new LeaseResource("layer/key", "snapshots/overlayfs"));
        assertEquals(3, leases.listResources("default", "l").size());
        assertTrue(leases.listResources("default", "l").contains(new LeaseResource("layer/key", "snapshots/overlayfs")));
        leases.deleteResource("default", "l", new LeaseResource(DIGEST, "content"));
        assertEquals(2, leases.listResources("default", "l").size());
        // as containerd: a type it does not know is not implemented, a malformed one invalid
        assertEquals(ErrorKind.NOT_IMPLEMENTED, kindOf(() -> leases.addResource("default", "l",
                new LeaseResource("x", "containers"))));
        assertEquals(ErrorKind.INVALID_ARGUMENT, kindOf(() -> leases.addResource("default", "l",
                new LeaseResource(DIGEST, "content/x"))));
        assertEquals(ErrorKind.INVALID_ARGUMENT, kindOf(() -> leases.addResource("default", "l",
                new LeaseResource("k", "snapshots"))));
        assertEquals(ErrorKind.INVALID_ARGUMENT, kindOf(() -> leases.addResource("default", "l",
                new LeaseResource("k", "snapshots/a/b"))));
        assertEquals(ErrorKind.NOT_FOUND, kindOf(() -> leases.addResource("default", "missing",
                new LeaseResource("x", "containers"))), "the lease is looked up first");
        assertEquals(ErrorKind.INVALID_ARGUMENT, kindOf(() -> leases.addResource("default", "l",
                new LeaseResource("not-a-digest", "content"))));
        assertEquals(ErrorKind.NOT_FOUND, kindOf(() -> leases.addResource("default", "missing",
                new LeaseResource(DIGEST, "content"))));
    }

    @Test
    void idsAsCtrMakesThemAreAccepted() {
        leases.create("default", "236979297-qeH-", Map.of());
        leases.create("default", "1-a_b=", Map.of());
        assertEquals(2, leases.list("default", List.of()).size());
    }

    @Test
    void badIdsChangeNothing() {
        assertEquals(ErrorKind.INVALID_ARGUMENT, kindOf(() -> leases.create("default", "nul\0id", Map.of())));
        assertEquals(ErrorKind.INVALID_ARGUMENT, kindOf(() -> leases.create("bad ns", "x", Map.of())));
        assertTrue(leases.list("default", List.of()).isEmpty());
    }

    @Test
    void leasesGoWithTheirNamespaceAsInContainerd() {
        MetadataNamespaceStore namespaces = new MetadataNamespaceStore(store);
        namespaces.create("team", Map.of());
        leases.create("team", "held", Map.of());
        namespaces.delete("team");
        assertTrue(leases.list("team", List.of()).isEmpty());
        assertEquals(ErrorKind.NOT_FOUND, kindOf(() -> namespaces.get("team")));
    }
}
