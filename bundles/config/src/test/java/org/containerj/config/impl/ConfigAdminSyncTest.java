package org.containerj.config.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ConfigAdminSyncTest {

    private static final String FILE = "/etc/containerj/config.toml";

    private FakeConfigurationAdmin ca;
    private ConfigAdminSync sync;
    private final Map<String, Map<String, Object>> pids = new LinkedHashMap<>();
    private final Map<String, Map<String, Object>> proxies = new LinkedHashMap<>();

    @BeforeEach
    void setUp() {
        ca = new FakeConfigurationAdmin();
        sync = new ConfigAdminSync(ca);
        pids.put("containerj.grpc", Map.of("address", "/run/cj.sock", "uid", 0L));
        pids.put("io.containerd.gc.v1.scheduler", Map.of("pause_threshold", 0.02, "tags", new String[] {"a", "b"}));
        proxies.put("stargz", Map.of("name", "stargz", "type", "snapshot", "address", "/s.sock"));
    }

    private ConfigAdminSync.Result apply() throws Exception {
        return sync.apply(FILE, pids, "containerj.proxy", proxies);
    }

    @Test
    void firstApplyCreatesEveryConfigurationMarkedAndForAnyBundle() throws Exception {
        ConfigAdminSync.Result r = apply();
        assertEquals(List.of("containerj.grpc", "io.containerd.gc.v1.scheduler", "containerj.proxy~stargz"), r.changed());
        assertEquals(List.of(), r.removed());
        assertEquals(FILE, ca.properties("containerj.grpc").get(ConfigAdminSync.SOURCE));
        assertEquals("/run/cj.sock", ca.properties("containerj.grpc").get("address"));
        assertEquals("?", ca.configurations.get("containerj.grpc").getBundleLocation());
        assertEquals("?", ca.configurations.get("containerj.proxy~stargz").getBundleLocation());
        assertEquals("containerj.proxy", ca.configurations.get("containerj.proxy~stargz").getFactoryPid());
        assertEquals("snapshot", ca.properties("containerj.proxy~stargz").get("type"));
    }

    @Test
    void sameContentChangesNothing() throws Exception {
        apply();
        ca.log.clear();
        // equal arrays in new instances are the same
        pids.put("io.containerd.gc.v1.scheduler", Map.of("pause_threshold", 0.02, "tags", new String[] {"a", "b"}));
        ConfigAdminSync.Result r = apply();
        assertEquals(List.of(), r.changed());
        assertEquals(List.of(), r.removed());
        assertEquals(List.of(), ca.log);
    }

    @Test
    void onlyChangedTablesAreUpdated() throws Exception {
        apply();
        ca.log.clear();
        pids.put("io.containerd.gc.v1.scheduler", Map.of("pause_threshold", 0.02, "tags", new String[] {"a"}));
        proxies.put("stargz", Map.of("name", "stargz", "type", "snapshot", "address", "/other.sock"));
        ConfigAdminSync.Result r = apply();
        assertEquals(List.of("io.containerd.gc.v1.scheduler", "containerj.proxy~stargz"), r.changed());
        assertEquals(List.of("update io.containerd.gc.v1.scheduler", "update containerj.proxy~stargz"), ca.log);
    }

    @Test
    void aRemovedKeyIsAChange() throws Exception {
        apply();
        pids.put("containerj.grpc", Map.of("address", "/run/cj.sock"));
        assertEquals(List.of("containerj.grpc"), apply().changed());
        assertNull(ca.properties("containerj.grpc").get("uid"));
    }

    @Test
    void removedTablesAreDeleted() throws Exception {
        apply();
        pids.remove("io.containerd.gc.v1.scheduler");
        proxies.clear();
        ConfigAdminSync.Result r = apply();
        assertEquals(List.of(), r.changed());
        assertEquals(List.of("containerj.proxy~stargz", "io.containerd.gc.v1.scheduler"), r.removed());
        assertNull(ca.properties("io.containerd.gc.v1.scheduler"));
        assertNull(ca.properties("containerj.proxy~stargz"));
    }

    @Test
    void configurationsMadeBySomeoneElseAreNotDeleted() throws Exception {
        ca.put("io.containerd.other.v1.x", Map.of("k", "v"));
        apply();
        assertEquals(List.of(), apply().removed());
        assertEquals(Map.of("k", "v"), ca.properties("io.containerd.other.v1.x"));
    }

    @Test
    void aConfigurationForATableIsTakenOver() throws Exception {
        ca.put("containerj.grpc", Map.of("address", "/manual.sock"));
        ConfigAdminSync.Result r = apply();
        assertTrue(r.changed().contains("containerj.grpc"));
        assertEquals("/run/cj.sock", ca.properties("containerj.grpc").get("address"));
        assertEquals(FILE, ca.properties("containerj.grpc").get(ConfigAdminSync.SOURCE));
    }

    @Test
    void configurationsFromAnotherFileAreReplaced() throws Exception {
        sync.apply("/old/config.toml", Map.of("io.containerd.old.v1.x", Map.of("a", 1L)), "containerj.proxy", Map.of());
        ConfigAdminSync.Result r = apply();
        assertEquals(List.of("io.containerd.old.v1.x"), r.removed());
    }
}
