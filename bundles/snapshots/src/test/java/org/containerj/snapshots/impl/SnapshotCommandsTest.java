package org.containerj.snapshots.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.containerj.api.errdefs.ContainerjException;
import org.containerj.api.errdefs.ErrorKind;
import org.containerj.metadata.impl.LmdbMetadataStore;
import org.containerj.metadata.impl.MetadataNamespaceStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The shell commands over the namespacing service on the real LMDB store and two store-only snapshotters. */
class SnapshotCommandsTest {
    @TempDir
    Path dir;
    private LmdbMetadataStore db;
    private StoreSnapshotter overlay;
    private StoreSnapshotter nativeCopy;
    private SnapshotterRegistry registry;
    private MetadataSnapshotters service;
    private SnapshotCommands commands;

    @BeforeEach
    void open() {
        db = LmdbMetadataStore.open(dir.resolve("meta"), LmdbMetadataStore.Options.defaults(), List.of());
        overlay = new StoreSnapshotter(dir.resolve("overlay"));
        nativeCopy = new StoreSnapshotter(dir.resolve("native"));
        MetadataSnapshotters[] self = new MetadataSnapshotters[1];
        registry = new SnapshotterRegistry(id -> self[0].known(id));
        service = new MetadataSnapshotters(db, registry::get, (ns, topic, event) -> { }, r -> { });
        self[0] = service;
        registry.add("overlayfs", overlay);
        registry.add("native", nativeCopy);
        commands = new SnapshotCommands(service, new MetadataNamespaceStore(db), "overlayfs", "native");

        service.forNamespace("overlayfs", "team-a").prepare("base-active", "", Map.of());
        service.forNamespace("overlayfs", "team-a").commit("base", "base-active", Map.of("role", "layer"));
        service.forNamespace("overlayfs", "team-a").prepare("work", "base", Map.of());
        service.forNamespace("overlayfs", "team-b").view("look", "", Map.of());
        service.forNamespace("native", "team-b").prepare("copy", "", Map.of());
    }

    @AfterEach
    void close() {
        overlay.close();
        nativeCopy.close();
        db.close();
    }

    private static List<List<String>> rows(String table) {
        return table.lines().map(l -> List.of(l.trim().split("\\s{2,}"))).toList();
    }

    @Test
    void listsEverySnapshotterAndNamespaceOrOne() {
        assertEquals(List.of(
                List.of("SNAPSHOTTER", "NAMESPACE", "KEY", "PARENT", "KIND"),
                List.of("native", "team-b", "copy", "Active"),
                List.of("overlayfs", "team-a", "base", "Committed"),
                List.of("overlayfs", "team-a", "work", "base", "Active"),
                List.of("overlayfs", "team-b", "look", "View")),
                rows(commands._main("snapshots")));
        assertEquals(List.of(
                List.of("SNAPSHOTTER", "NAMESPACE", "KEY", "PARENT", "KIND"),
                List.of("overlayfs", "team-a", "base", "Committed"),
                List.of("overlayfs", "team-a", "work", "base", "Active")),
                rows(commands._main("snapshots", "overlayfs", "team-a")));
        assertEquals(List.of(List.of("SNAPSHOTTER", "NAMESPACE", "KEY", "PARENT", "KIND"),
                List.of("native", "team-b", "copy", "Active")), rows(commands._main("snapshots", "native")));
    }

    @Test
    void infoShowsInfoUsageAndMountsOfAnActiveSnapshot() {
        String out = commands._main("snapshot-info", "overlayfs", "team-a", "work");
        assertTrue(out.contains("name:    work\n"), out);
        assertTrue(out.contains("parent:  base\n"), out);
        assertTrue(out.contains("kind:    Active\n"), out);
        assertTrue(out.contains("size:    200\n") && out.contains("inodes:  1\n"), out); // StoreSnapshotter's fixed usage
        assertTrue(out.lines().anyMatch(l -> l.startsWith("mount:   bind /fake/") && l.endsWith("active,rbind")), out);
        assertTrue(out.contains("created: ") && out.contains("updated: "), out);
    }

    @Test
    void infoOfACommittedSnapshotHasLabelsAndNoMounts() {
        String out = commands._main("snapshot-info", "overlayfs", "team-a", "base");
        assertTrue(out.contains("kind:    Committed\n"), out);
        assertTrue(out.contains("label:   role=layer\n"), out);
        assertTrue(out.lines().noneMatch(l -> l.startsWith("mount:")), out);
    }

    @Test
    void errorsAreContainerdsAndUsageIsExplained() {
        ContainerjException missing = assertThrows(ContainerjException.class,
                () -> commands._main("snapshot-info", "overlayfs", "team-b", "work"));
        assertEquals(ErrorKind.NOT_FOUND, missing.kind(), "keys are per namespace");
        ContainerjException unknown = assertThrows(ContainerjException.class,
                () -> commands._main("snapshots", "zfs", "team-a"));
        assertEquals(ErrorKind.INVALID_ARGUMENT, unknown.kind());
        assertTrue(unknown.getMessage().contains("snapshotter not loaded: zfs"), unknown.getMessage());

        registry.remove("native", nativeCopy);
        ContainerjException gone = assertThrows(ContainerjException.class,
                () -> commands._main("snapshot-info", "native", "team-b", "copy"));
        assertEquals(ErrorKind.UNAVAILABLE, gone.kind());
        assertTrue(gone.getMessage().contains("io.containerd.snapshotter.v1.native"), gone.getMessage());

        assertTrue(assertThrows(IllegalArgumentException.class, () -> commands._main("snapshot-info", "overlayfs"))
                .getMessage().startsWith("usage: snapshot-info"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> commands._main("snapshots", "a", "b", "c"))
                .getMessage().startsWith("usage: snapshots"));
    }

    @Test
    void withoutTheServiceTheCommandsSayWhatIsMissing() {
        SnapshotCommands bare = new SnapshotCommands();
        ContainerjException e = assertThrows(ContainerjException.class, () -> bare._main("snapshots"));
        assertEquals(ErrorKind.UNAVAILABLE, e.kind());
        assertTrue(e.getMessage().contains("snapshots-service"), e.getMessage());
    }
}
