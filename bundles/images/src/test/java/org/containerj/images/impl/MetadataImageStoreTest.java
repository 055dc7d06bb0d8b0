package org.containerj.images.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.containerj.api.content.Descriptor;
import org.containerj.api.content.Digest;
import org.containerj.api.errdefs.ContainerjException;
import org.containerj.api.errdefs.ErrorKind;
import org.containerj.api.gc.CollectionResult;
import org.containerj.api.gc.GarbageCollector;
import org.containerj.api.images.Image;
import org.containerj.metadata.impl.LmdbMetadataStore;
import org.containerj.metadata.impl.MetadataNamespaceStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MetadataImageStoreTest {
    static final String INDEX = "application/vnd.oci.image.index.v1+json";
    static final String MANIFEST = "application/vnd.oci.image.manifest.v1+json";
    static final Digest A = Digest.parse("sha256:" + "a".repeat(64));
    static final Digest B = Digest.parse("sha256:" + "b".repeat(64));

    @TempDir
    Path dir;
    private LmdbMetadataStore store;
    private MetadataImageStore images;

    @BeforeEach
    void open() {
        store = LmdbMetadataStore.open(dir, LmdbMetadataStore.Options.defaults(), List.of());
        images = new MetadataImageStore(store);
    }

    @AfterEach
    void close() {
        store.close();
    }

    static Image image(String name, Digest digest, String mediaType, Map<String, String> labels) {
        return new Image(name, labels, new Descriptor(mediaType, digest, 100));
    }

    private static ErrorKind kindOf(Runnable r) {
        return assertThrows(ContainerjException.class, r::run).kind();
    }

    @Test
    void createGetListDelete() {
        Image created = images.create("default", image("docker.io/library/busybox:latest", A, INDEX, Map.of("a", "1")));
        assertNotNull(created.createdAt());
        assertEquals(created.createdAt(), created.updatedAt());
        Image got = images.get("default", "docker.io/library/busybox:latest");
        assertEquals(A, got.target().digest());
        assertEquals(INDEX, got.target().mediaType());
        assertEquals(100, got.target().size());
        assertEquals(Map.of("a", "1"), got.labels());
        assertEquals(created.createdAt(), got.createdAt());
        assertEquals(ErrorKind.ALREADY_EXISTS,
                kindOf(() -> images.create("default", image("docker.io/library/busybox:latest", B, INDEX, Map.of()))));
        assertEquals(0, images.list("other", List.of()).size(), "images are per namespace");
        assertEquals(ErrorKind.NOT_FOUND, kindOf(() -> images.get("other", "docker.io/library/busybox:latest")));

        images.delete("default", "docker.io/library/busybox:latest", null, false);
        assertEquals(ErrorKind.NOT_FOUND, kindOf(() -> images.get("default", "docker.io/library/busybox:latest")));
        assertEquals(ErrorKind.NOT_FOUND,
                kindOf(() -> images.delete("default", "docker.io/library/busybox:latest", null, false)));
    }

    @Test
    void deleteWithATargetMustMatch() {
        images.create("default", image("x", A, INDEX, Map.of()));
        assertEquals(ErrorKind.FAILED_PRECONDITION, kindOf(() -> images.delete("default", "x", B, false)));
        images.delete("default", "x", A, false);
    }

    @Test
    void validation() {
        assertEquals(ErrorKind.INVALID_ARGUMENT, kindOf(() -> images.create("default", image("", A, INDEX, Map.of()))));
        assertEquals(ErrorKind.INVALID_ARGUMENT, kindOf(() -> images.create("default", image("x", null, INDEX, Map.of()))));
        assertEquals(ErrorKind.INVALID_ARGUMENT, kindOf(() -> images.create("default", image("x", A, "", Map.of()))));
        assertEquals(ErrorKind.INVALID_ARGUMENT, kindOf(() -> images.create("default",
                new Image("x", Map.of(), new Descriptor(INDEX, A, 0)))));
        assertEquals(ErrorKind.INVALID_ARGUMENT, kindOf(() -> images.create("default", new Image("x", Map.of(), null))));
        assertEquals(ErrorKind.INVALID_ARGUMENT, kindOf(() -> images.create("bad ns", image("x", A, INDEX, Map.of()))));
        assertEquals(ErrorKind.INVALID_ARGUMENT,
                kindOf(() -> images.create("default", image("x", A, INDEX, Map.of("k", "v".repeat(5000))))));
        assertEquals(ErrorKind.INVALID_ARGUMENT,
                kindOf(() -> images.create("default", image("n".repeat(600), A, INDEX, Map.of()))));
        assertEquals(0, images.list("default", List.of()).size(), "failed creates leave nothing");
        boolean empty = store.view(tx -> !tx.existsUnder(org.containerj.api.metadata.MetadataLayout.namespace("default")));
        assertTrue(empty);
    }

    @Test
    void listFilters() {
        images.create("default", image("registry.local/a:1", A, INDEX, Map.of("team", "blue")));
        images.create("default", image("registry.local/b:1", B, MANIFEST, Map.of("team", "red")));
        images.create("default", image("other/c:2", A, MANIFEST, Map.of()));
        assertEquals(List.of("registry.local/a:1"), names("name==registry.local/a:1"));
        assertEquals(List.of("registry.local/a:1", "registry.local/b:1"), names("name~=^registry"));
        assertEquals(List.of("other/c:2", "registry.local/a:1"), names("target.digest==" + A));
        assertEquals(List.of("other/c:2", "registry.local/b:1"), names("target.mediatype==" + MANIFEST));
        assertEquals(List.of("registry.local/b:1"), names("labels.team==red"));
        assertEquals(List.of("registry.local/a:1", "registry.local/b:1"), names("labels.team"));
        assertEquals(List.of("registry.local/a:1", "registry.local/b:1"), names("labels.team==red", "labels.team==blue"));
        assertEquals(List.of("registry.local/a:1"), names("labels.team==blue,target.mediatype==" + INDEX));
        assertEquals(ErrorKind.INVALID_ARGUMENT, kindOf(() -> images.list("default", List.of("name=="))));
    }

    private List<String> names(String... filters) {
        List<String> names = new ArrayList<>();
        images.list("default", List.of(filters)).forEach(i -> names.add(i.name()));
        names.sort(null);
        return names;
    }

    @Test
    void updateWithFieldPaths() {
        Image created = images.create("default", new Image("x", Map.of("a", "1", "b", "2"),
                new Descriptor(INDEX, A, 100, Map.of("ann", "x"), List.of())));

        Image u = images.update("default", new Image("x", Map.of("a", "9", "c", "3"), null), List.of("labels.a"));
        assertEquals(Map.of("a", "9", "b", "2"), u.labels());
        assertEquals(A, u.target().digest(), "target untouched");
        assertEquals(created.createdAt(), u.createdAt());
        assertTrue(!u.updatedAt().isBefore(created.updatedAt()));

        u = images.update("default", new Image("x", Map.of(), null), List.of("labels.b"));
        assertEquals(Map.of("a", "9"), u.labels(), "a label path absent from the update removes the label");

        u = images.update("default", new Image("x", Map.of("z", "1"), null), List.of("labels"));
        assertEquals(Map.of("z", "1"), u.labels());

        u = images.update("default", image("x", B, MANIFEST, Map.of("ignored", "1")), List.of("target"));
        assertEquals(B, u.target().digest());
        assertEquals(MANIFEST, u.target().mediaType());
        assertEquals(Map.of("z", "1"), u.labels());

        u = images.update("default", new Image("x", Map.of(),
                new Descriptor(MANIFEST, B, 100, Map.of("k", "v"), List.of())), List.of("annotations.k"));
        assertEquals(Map.of("k", "v"), u.target().annotations());

        // no paths: labels and target replaced
        u = images.update("default", image("x", A, INDEX, Map.of("new", "1")), List.of());
        assertEquals(Map.of("new", "1"), u.labels());
        assertEquals(A, u.target().digest());
        assertEquals(u, images.get("default", "x"));

        assertEquals(ErrorKind.INVALID_ARGUMENT,
                kindOf(() -> images.update("default", image("x", A, INDEX, Map.of()), List.of("name"))));
        assertEquals(ErrorKind.INVALID_ARGUMENT,
                kindOf(() -> images.update("default", new Image("x", Map.of(), null), List.of("target"))));
        assertEquals(ErrorKind.NOT_FOUND,
                kindOf(() -> images.update("default", image("missing", A, INDEX, Map.of()), List.of())));
        assertEquals(u, images.get("default", "x"), "failed updates change nothing");
    }

    @Test
    void anEmptyLabelValueIsNotStored() {
        Image created = images.create("default", image("x", A, INDEX, Map.of("a", "1", "empty", "")));
        assertEquals(Map.of("a", "1"), created.labels());
        assertEquals(Map.of("a", "1"), images.get("default", "x").labels());

        // ctr images label x a= (containerd sends the path labels.a with the value "")
        Image u = images.update("default", new Image("x", Map.of("a", "", "b", "2"), null),
                List.of("labels.a", "labels.b"));
        assertEquals(Map.of("b", "2"), u.labels());
        assertEquals(u, images.get("default", "x"));
        assertEquals(List.of(), names("labels.a"));

        u = images.update("default", image("x", A, INDEX, Map.of("c", "", "d", "4")), List.of());
        assertEquals(Map.of("d", "4"), u.labels());
    }

    @Test
    void anImageHoldsItsNamespace() {
        images.create("held", image("x", A, INDEX, Map.of()));
        var namespaces = new MetadataNamespaceStore(store);
        assertEquals(ErrorKind.FAILED_PRECONDITION, kindOf(() -> namespaces.delete("held")));
        images.delete("held", "x", null, false);
        namespaces.delete("held");
    }

    @Test
    void thePluginPublishesEventsAndCollectsOnDelete() {
        List<String> events = new ArrayList<>();
        int[] scheduled = {0};
        int[] collected = {0};
        GarbageCollector gc = new GarbageCollector() {
            @Override
            public void schedule() {
                scheduled[0]++;
            }

            @Override
            public CollectionResult collect() {
                collected[0]++;
                return new CollectionResult(List.of(), java.time.Duration.ZERO);
            }
        };
        ImagesServicePlugin plugin = new ImagesServicePlugin(store,
                (ns, topic, type, payload) -> events.add(ns + " " + topic + " " + type), gc);
        plugin.create("default", image("x", A, INDEX, Map.of()));
        plugin.update("default", image("x", A, INDEX, Map.of("a", "b")), List.of("labels"));
        plugin.delete("default", "x", null, false);
        plugin.create("default", image("y", A, INDEX, Map.of()));
        plugin.delete("default", "y", null, true);
        assertEquals(List.of("default /images/create containerd.services.images.v1.ImageCreate",
                "default /images/update containerd.services.images.v1.ImageUpdate",
                "default /images/delete containerd.services.images.v1.ImageDelete",
                "default /images/create containerd.services.images.v1.ImageCreate",
                "default /images/delete containerd.services.images.v1.ImageDelete"), events);
        assertEquals(1, scheduled[0]);
        assertEquals(1, collected[0]);
    }
}
