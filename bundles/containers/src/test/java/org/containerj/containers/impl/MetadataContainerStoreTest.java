package org.containerj.containers.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.containerj.api.containers.Container;
import org.containerj.api.containers.TypedValue;
import org.containerj.api.errdefs.ContainerjException;
import org.containerj.api.errdefs.ErrorKind;
import org.containerj.api.gc.CollectionResult;
import org.containerj.api.gc.GarbageCollector;
import org.containerj.metadata.impl.LmdbMetadataStore;
import org.containerj.metadata.impl.MetadataNamespaceStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MetadataContainerStoreTest {
    static final String RUNC = "io.containerd.runc.v2";
    static final TypedValue SPEC = spec("{\"ociVersion\":\"1.0.2\"}");

    @TempDir
    Path dir;
    private LmdbMetadataStore store;
    private MetadataContainerStore containers;

    @BeforeEach
    void open() {
        store = LmdbMetadataStore.open(dir, LmdbMetadataStore.Options.defaults(), List.of());
        containers = new MetadataContainerStore(store);
    }

    @AfterEach
    void close() {
        store.close();
    }

    static TypedValue spec(String json) {
        return new TypedValue("types.containerd.io/opencontainers/runtime-spec/1/Spec",
                json.getBytes(StandardCharsets.UTF_8));
    }

    static Container container(String id, Map<String, String> labels) {
        return new Container(id, labels, "docker.io/library/busybox:latest", new Container.Runtime(RUNC, null), SPEC,
                "overlayfs", id + "-snapshot", null, null, Map.of(), "");
    }

    private static ErrorKind kindOf(Runnable r) {
        return assertThrows(ContainerjException.class, r::run).kind();
    }

    @Test
    void createGetListDelete() {
        Container given = new Container("c1", Map.of("a", "1", "empty", ""), "img",
                new Container.Runtime(RUNC, new TypedValue("runc.Options", new byte[] {1, 2})), SPEC, "native", "k1",
                null, null, Map.of("ext", new TypedValue("x.Ext", new byte[] {3})), "sb1");
        Container created = containers.create("default", given);
        assertNotNull(created.createdAt());
        assertEquals(created.createdAt(), created.updatedAt());
        assertEquals(Map.of("a", "1"), created.labels(), "an empty label is not kept");
        Container got = containers.get("default", "c1");
        assertEquals(created, got);
        assertEquals(new TypedValue("runc.Options", new byte[] {1, 2}), got.runtime().options());
        assertEquals(SPEC, got.spec());
        assertEquals("native", got.snapshotter());
        assertEquals("k1", got.snapshotKey());
        assertEquals("sb1", got.sandbox());
        assertEquals(Map.of("ext", new TypedValue("x.Ext", new byte[] {3})), got.extensions());

        assertEquals(ErrorKind.ALREADY_EXISTS, kindOf(() -> containers.create("default", container("c1", Map.of()))));
        assertEquals(List.of(), containers.list("other", List.of()), "containers are per namespace");
        assertEquals(ErrorKind.NOT_FOUND, kindOf(() -> containers.get("other", "c1")));

        containers.delete("default", "c1");
        assertEquals(ErrorKind.NOT_FOUND, kindOf(() -> containers.get("default", "c1")));
        assertEquals(ErrorKind.NOT_FOUND, kindOf(() -> containers.delete("default", "c1")));
    }

    @Test
    void containerdsValidation() {
        Container ok = container("ok", Map.of());
        assertEquals(ErrorKind.INVALID_ARGUMENT, kindOf(() -> containers.create("default", container("", Map.of()))));
        assertEquals(ErrorKind.INVALID_ARGUMENT,
                kindOf(() -> containers.create("default", container("bad/id", Map.of()))));
        assertEquals(ErrorKind.INVALID_ARGUMENT,
                kindOf(() -> containers.create("default", container("x".repeat(77), Map.of()))));
        assertEquals(ErrorKind.INVALID_ARGUMENT, kindOf(() -> containers.create("default",
                new Container("c", Map.of(), "", new Container.Runtime("", null), SPEC, "", "", null, null, null, ""))));
        var noSpec = assertThrows(ContainerjException.class, () -> containers.create("default",
                new Container("c", Map.of(), "", new Container.Runtime(RUNC, null), null, "", "", null, null, null,
                        "")));
        assertEquals(ErrorKind.INVALID_ARGUMENT, noSpec.kind());
        assertTrue(noSpec.getMessage().contains("Spec must be set"), noSpec.getMessage());
        assertEquals(ErrorKind.INVALID_ARGUMENT, kindOf(() -> containers.create("default",
                new Container("c", Map.of(), "", new Container.Runtime(RUNC, null), SPEC, "", "key", null, null, null,
                        ""))));
        assertEquals(ErrorKind.INVALID_ARGUMENT, kindOf(() -> containers.create("default",
                new Container("c", Map.of(), "", new Container.Runtime(RUNC, null), SPEC, "", "", null, null,
                        Map.of("", SPEC), ""))));
        assertEquals(ErrorKind.INVALID_ARGUMENT,
                kindOf(() -> containers.create("default", container("c", Map.of("", "v")))));
        assertEquals(ErrorKind.INVALID_ARGUMENT, kindOf(() -> containers.create("bad/ns", ok)));
        assertEquals(List.of(), containers.list("default", List.of()), "nothing was written");
        // no snapshot at all is fine (ctr --rootfs)
        containers.create("default",
                new Container("c", Map.of(), "", new Container.Runtime(RUNC, null), SPEC, "", "", null, null, null, ""));
    }

    @Test
    void listFilters() {
        containers.create("default", container("web-1", Map.of("app", "web", "tier", "front")));
        containers.create("default", container("web-2", Map.of("app", "web")));
        containers.create("default", new Container("db", Map.of("app", "db"), "postgres:16",
                new Container.Runtime("io.containerd.runsc.v1", null), SPEC, "", "", null, null, null, ""));
        assertEquals(List.of("db", "web-1", "web-2"), ids(List.of()));
        assertEquals(List.of("web-1"), ids(List.of("id==web-1")));
        assertEquals(List.of("web-1", "web-2"), ids(List.of("labels.app==web")));
        assertEquals(List.of("web-1"), ids(List.of("labels.app==web,labels.tier==front")));
        assertEquals(List.of("db", "web-1"), ids(List.of("id==db", "labels.tier")));
        assertEquals(List.of("db"), ids(List.of("image==postgres:16")));
        assertEquals(List.of("db"), ids(List.of("runtime.name==io.containerd.runsc.v1")));
        assertEquals(List.of("web-1", "web-2"), ids(List.of("id~=^web")));
        assertEquals(ErrorKind.INVALID_ARGUMENT, kindOf(() -> containers.list("default", List.of("labels.app=="))));
    }

    private List<String> ids(List<String> filters) {
        return containers.list("default", filters).stream().map(Container::id).sorted().toList();
    }

    @Test
    void updateByFieldPaths() {
        Container created = containers.create("default", container("c", Map.of("a", "1", "b", "2")));
        Container u = containers.update("default", container("c", Map.of("a", "9", "z", "0")), List.of("labels.a"));
        assertEquals(Map.of("a", "9", "b", "2"), u.labels());
        assertEquals(created.createdAt(), u.createdAt());
        assertTrue(!u.updatedAt().isBefore(created.updatedAt()));
        u = containers.update("default", container("c", Map.of()), List.of("labels.b"));
        assertEquals(Map.of("a", "9"), u.labels(), "a key absent from the update is removed");
        u = containers.update("default", container("c", Map.of("k", "")), List.of("labels.a", "labels.k"));
        assertEquals(Map.of(), u.labels());

        TypedValue spec2 = spec("{\"ociVersion\":\"1.1.0\"}");
        Container change = new Container("c", Map.of("x", "y"), "other:2", new Container.Runtime(RUNC, null), spec2,
                "overlayfs", "new-key", null, null, Map.of("e", spec2), "");
        u = containers.update("default", change, List.of("spec", "image", "snapshotkey", "extensions.e"));
        assertEquals(spec2, u.spec());
        assertEquals("other:2", u.image());
        assertEquals("new-key", u.snapshotKey());
        assertEquals(Map.of("e", spec2), u.extensions());
        assertEquals(Map.of(), u.labels(), "labels were not named");
        assertEquals(u, containers.get("default", "c"));

        // no paths: labels, spec, extensions, image and snapshot key replaced
        u = containers.update("default", container("c", Map.of("all", "new")), List.of());
        assertEquals(Map.of("all", "new"), u.labels());
        assertEquals(SPEC, u.spec());
        assertEquals(Map.of(), u.extensions());
        assertEquals("c-snapshot", u.snapshotKey());

        for (List<String> paths : List.of(List.of("id"), List.of("runtime"), List.of("snapshotter"),
                List.of("sandbox"), List.of("created_at"))) {
            assertEquals(ErrorKind.INVALID_ARGUMENT,
                    kindOf(() -> containers.update("default", container("c", Map.of()), paths)), paths.toString());
        }
        Container otherSnapshotter = new Container("c", Map.of(), "", new Container.Runtime(RUNC, null), SPEC, "btrfs",
                "", null, null, null, "");
        assertEquals(ErrorKind.INVALID_ARGUMENT,
                kindOf(() -> containers.update("default", otherSnapshotter, List.of())));
        Container otherRuntime = new Container("c", Map.of(), "", new Container.Runtime("x", null), SPEC, "overlayfs",
                "", null, null, null, "");
        assertEquals(ErrorKind.INVALID_ARGUMENT, kindOf(() -> containers.update("default", otherRuntime, List.of())));
        Container noSpec = new Container("c", Map.of(), "", new Container.Runtime(RUNC, null), null, "overlayfs", "",
                null, null, null, "");
        assertEquals(ErrorKind.INVALID_ARGUMENT,
                kindOf(() -> containers.update("default", noSpec, List.of("spec"))));
        assertEquals(ErrorKind.INVALID_ARGUMENT,
                kindOf(() -> containers.update("default", container("", Map.of()), List.of())));
        assertEquals(ErrorKind.NOT_FOUND,
                kindOf(() -> containers.update("default", container("missing", Map.of()), List.of())));
        assertEquals(u, containers.get("default", "c"), "failed updates change nothing");
    }

    @Test
    void aContainerHoldsItsNamespace() {
        containers.create("held", container("x", Map.of()));
        var namespaces = new MetadataNamespaceStore(store);
        assertEquals(ErrorKind.FAILED_PRECONDITION, kindOf(() -> namespaces.delete("held")));
        containers.delete("held", "x");
        namespaces.delete("held");
    }

    @Test
    void thePluginPublishesEventsAndSchedulesCollectionOnDelete() {
        List<String> events = new ArrayList<>();
        int[] scheduled = {0};
        GarbageCollector gc = new GarbageCollector() {
            @Override
            public void schedule() {
                scheduled[0]++;
            }

            @Override
            public CollectionResult collect() {
                throw new AssertionError("a container delete does not wait for a collection");
            }
        };
        ContainersServicePlugin plugin = new ContainersServicePlugin(store,
                (ns, topic, type, payload) -> events.add(ns + " " + topic + " " + type), gc);
        plugin.create("default", container("x", Map.of()));
        plugin.update("default", container("x", Map.of("a", "b")), List.of("labels"));
        plugin.delete("default", "x");
        assertThrows(ContainerjException.class, () -> plugin.delete("default", "x"));
        assertEquals(List.of("default /containers/create containerd.events.ContainerCreate",
                "default /containers/update containerd.events.ContainerUpdate",
                "default /containers/delete containerd.events.ContainerDelete"), events);
        assertEquals(1, scheduled[0]);
        // and without publisher or collector
        ContainersServicePlugin bare = new ContainersServicePlugin(store, null, null);
        bare.create("default", container("y", Map.of()));
        bare.delete("default", "y");
    }
}
