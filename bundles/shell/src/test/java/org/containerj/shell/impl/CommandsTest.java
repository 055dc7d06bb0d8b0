package org.containerj.shell.impl;

import org.containerj.api.errdefs.ContainerjException;
import org.containerj.api.namespaces.Namespace;
import org.containerj.api.namespaces.NamespaceStore;
import org.containerj.api.plugin.PluginInfo;
import org.containerj.api.plugin.PluginStatus;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CommandsTest {

    private static final class MemoryStore implements NamespaceStore {
        final Map<String, Namespace> all = new TreeMap<>();

        @Override
        public Namespace create(String name, Map<String, String> labels) {
            if (all.containsKey(name)) {
                throw ContainerjException.alreadyExists("namespace %s: already exists", name);
            }
            Namespace ns = new Namespace(name, labels);
            all.put(name, ns);
            return ns;
        }

        @Override
        public Namespace get(String name) {
            return all.get(name);
        }

        @Override
        public List<Namespace> list() {
            return List.copyOf(all.values());
        }

        @Override
        public Namespace setLabel(String name, String key, String value) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Namespace update(String name, Map<String, String> labels, List<String> fieldPaths) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void delete(String name) {
            if (all.remove(name) == null) {
                throw ContainerjException.notFound("namespace %s: not found", name);
            }
        }
    }

    @Test
    void namespaceCommands() {
        MemoryStore store = new MemoryStore();
        NamespaceCommands c = new NamespaceCommands(store);
        assertNull(c._main("namespace-create", "dev", "team=a", "tier=x=y"));
        assertEquals(Map.of("team", "a", "tier", "x=y"), store.all.get("dev").labels());
        c._main("namespace-create", "default");
        assertEquals("NAME     LABELS\ndefault\ndev      team=a,tier=x=y\n", c._main("namespaces"));
        assertThrows(ContainerjException.class, () -> c._main("namespace-create", "dev"));
        assertThrows(IllegalArgumentException.class, () -> c._main("namespace-create", "x", "novalue"));
        assertEquals("dev", c._main("namespace-remove", "dev"));
        assertThrows(ContainerjException.class, () -> c._main("namespace-remove", "dev"));
        assertThrows(IllegalArgumentException.class, () -> c._main("namespace-remove"));
    }

    @Test
    void namespaceCommandsWithoutStoreFailClearly() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> new NamespaceCommands()._main("namespaces"));
        assertTrue(e.getMessage().contains("namespace store"));
    }

    @Test
    void pluginTable() {
        String out = PluginsCommand.format(List.of(
                new PluginInfo("io.containerd.grpc.v1", "namespaces", List.of(), List.of(), Map.of(), List.of(),
                        PluginStatus.OK, "", "org.containerj.namespaces", "0.1.0.SNAPSHOT"),
                new PluginInfo("io.containerd.snapshotter.v1", "btrfs", List.of(), List.of("linux/amd64"), Map.of(),
                        List.of(), PluginStatus.SKIP, "not a btrfs filesystem: skip plugin", "org.containerj.btrfs", "1.0.0")));
        assertEquals("""
                TYPE                          ID          PLATFORMS    STATUS  BUNDLE                                    REASON
                io.containerd.grpc.v1         namespaces  -            ok      org.containerj.namespaces 0.1.0.SNAPSHOT
                io.containerd.snapshotter.v1  btrfs       linux/amd64  skip    org.containerj.btrfs 1.0.0                not a btrfs filesystem: skip plugin
                """, out);
    }

    @Test
    void uptimeFormat() {
        assertEquals("5s", InfoCommand.formatDuration(Duration.ofSeconds(5)));
        assertEquals("1m 5s", InfoCommand.formatDuration(Duration.ofSeconds(65)));
        assertEquals("2d 0h 0m 1s", InfoCommand.formatDuration(Duration.ofSeconds(2 * 86400 + 1)));
    }
}
