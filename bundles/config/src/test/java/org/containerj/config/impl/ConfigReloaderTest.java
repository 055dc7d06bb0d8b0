package org.containerj.config.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.containerj.config.impl.ConfigReloader.Outcome.Status;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.service.metatype.AttributeDefinition;

class ConfigReloaderTest {

    @TempDir
    Path dir;

    private Path file;
    private Path oomFile;
    private FakeConfigurationAdmin ca;
    private PluginSchemas schemas = PluginSchemas.NONE;
    private final Map<String, String> frameworkProperties = new HashMap<>();
    private ConfigReloader reloader;

    private static final String BASE = """
        version = 2
        root = "/var/lib/cj"
        [grpc]
          address = "/run/cj/cj.sock"
        [plugins."io.containerd.gc.v1.scheduler"]
          pause_threshold = 0.02
        [plugins."io.containerd.snapshotter.v1.overlayfs"]
          root_path = "/data/overlay"
        [proxy_plugins.stargz]
          type = "snapshot"
          address = "/run/stargz.sock"
        """;

    @BeforeEach
    void setUp() throws IOException {
        file = dir.resolve("config.toml");
        oomFile = dir.resolve("oom_score_adj");
        Files.writeString(oomFile, "0\n");
        ca = new FakeConfigurationAdmin();
        reloader = new ConfigReloader(file, new ConfigReader(), new ConfigAdminSync(ca), new PluginDisabler(),
            new OomScore(oomFile), () -> schemas, frameworkProperties::get);
    }

    private void write(String text) throws IOException {
        Files.writeString(file, text);
    }

    @Test
    void startAppliesEveryTable() throws IOException {
        write(BASE);
        ConfigReloader.Outcome o = reloader.start();
        assertEquals(Status.APPLIED, o.status());
        assertEquals(List.of("containerj.daemon", "containerj.grpc", "io.containerd.gc.v1.scheduler",
            "io.containerd.snapshotter.v1.overlayfs", "containerj.proxy~stargz"), o.result().changed());
        assertEquals(file.toString(), ca.properties("containerj.grpc").get(ConfigAdminSync.SOURCE));
    }

    @Test
    void reloadChangesOnlyTheEditedTables() throws IOException {
        write(BASE);
        reloader.start();
        write(BASE.replace("/data/overlay", "/data/overlay2"));
        ConfigReloader.Outcome o = reloader.reload();
        assertEquals(Status.APPLIED, o.status());
        assertEquals(List.of("io.containerd.snapshotter.v1.overlayfs"), o.result().changed());
        assertEquals(List.of(), o.result().removed());
        assertEquals("/data/overlay2", ca.properties("io.containerd.snapshotter.v1.overlayfs").get("root_path"));
    }

    @Test
    void reloadWithTheSameBytesDoesNothing() throws IOException {
        write(BASE);
        reloader.start();
        assertEquals(Status.UNCHANGED, reloader.reload().status());
        write(BASE + "\n# a comment\n");
        ConfigReloader.Outcome o = reloader.reload();
        assertEquals(Status.APPLIED, o.status());
        assertEquals(List.of(), o.result().changed());
    }

    @Test
    void invalidEditIsRejectedAndChangesNothing() throws IOException {
        write(BASE);
        reloader.start();
        DaemonConfig good = reloader.current();
        ca.log.clear();

        write(BASE.replace("/data/overlay", "/data/overlay2") + "[debug]\nlevel = 5\n");
        ConfigReloader.Outcome o = reloader.reload();
        assertEquals(Status.REJECTED, o.status());
        assertTrue(o.reason().contains("debug.level: expected a string, got integer 5"), o.reason());
        assertEquals(List.of(), ca.log);
        assertSame(good, reloader.current());
        assertEquals("/data/overlay", ca.properties("io.containerd.snapshotter.v1.overlayfs").get("root_path"));

        write(BASE.replace("/data/overlay", "/data/overlay2"));
        o = reloader.reload();
        assertEquals(Status.APPLIED, o.status());
        assertEquals(List.of("io.containerd.snapshotter.v1.overlayfs"), o.result().changed());
    }

    @Test
    void syntaxErrorIsRejected() throws IOException {
        write(BASE);
        reloader.start();
        write(BASE + "[plugins.\"x.y\"\n");
        ConfigReloader.Outcome o = reloader.reload();
        assertEquals(Status.REJECTED, o.status());
        assertTrue(o.reason().contains("invalid TOML: line 12"), o.reason());
    }

    @Test
    void removedTablesAreDeleted() throws IOException {
        write(BASE);
        reloader.start();
        write(BASE.substring(0, BASE.indexOf("[proxy_plugins")).replace("""
            [plugins."io.containerd.gc.v1.scheduler"]
              pause_threshold = 0.02
            """, ""));
        ConfigReloader.Outcome o = reloader.reload();
        assertEquals(Status.APPLIED, o.status());
        assertEquals(List.of(), o.result().changed());
        assertEquals(List.of("containerj.proxy~stargz", "io.containerd.gc.v1.scheduler"), o.result().removed());
        assertNull(ca.properties("io.containerd.gc.v1.scheduler"));
    }

    @Test
    void disabledProxyPluginIsNotConfigured() throws IOException {
        write(BASE);
        reloader.start();
        write("disabled_plugins = [\"io.containerd.snapshotter.v1.stargz\"]\n" + BASE);
        ConfigReloader.Outcome o = reloader.reload();
        assertEquals(List.of("containerj.daemon"), o.result().changed());
        assertEquals(List.of("containerj.proxy~stargz"), o.result().removed());
    }

    @Test
    void invalidFileAtStartIsRejected() throws IOException {
        write("version = 3\n");
        ConfigReloader.Outcome o = reloader.start();
        assertEquals(Status.REJECTED, o.status());
        assertTrue(o.reason().endsWith("version: unsupported config version 3: containerj reads version 2"
            + " (containerd 1.x's format with fully qualified plugin names)"), o.reason());
        assertTrue(ca.configurations.isEmpty());
    }

    @Test
    void aValidEditAppliesAfterARejectedStart() throws IOException {
        write("version = 3\n");
        assertEquals(Status.REJECTED, reloader.start().status());
        write(BASE);
        assertEquals(Status.APPLIED, reloader.reload().status());
        assertNotNull(ca.properties("containerj.grpc"));
    }

    @Test
    void missingFileAtStartMeansDefaultsUntilItIsCreated() throws IOException {
        ConfigReloader.Outcome o = reloader.start();
        assertEquals(Status.APPLIED, o.status());
        assertEquals(List.of("containerj.daemon"), o.result().changed());
        assertTrue(reloader.targets().matches(file));

        write(BASE);
        o = reloader.reload();
        assertEquals(Status.APPLIED, o.status());
        assertTrue(o.result().changed().contains("containerj.grpc"));

        Files.delete(file);
        o = reloader.reload();
        assertEquals(Status.REJECTED, o.status());
        assertTrue(o.reason().endsWith("file does not exist"), o.reason());
        assertNotNull(ca.properties("containerj.grpc"));
    }

    @Test
    void noFileAppliesTheDefaults() {
        ConfigReloader r = new ConfigReloader(null, new ConfigReader(), new ConfigAdminSync(ca), new PluginDisabler(),
            new OomScore(oomFile), () -> PluginSchemas.NONE, k -> null);
        assertEquals(Status.APPLIED, r.start().status());
        assertEquals(ConfigAdminSync.NO_FILE, ca.properties("containerj.daemon").get(ConfigAdminSync.SOURCE));
    }

    @Test
    void metatypeErrorsRejectTheFile() throws IOException {
        MetaTypeValidatorTest.Ocd ocd = new MetaTypeValidatorTest.Ocd("overlay", List.of(
            new MetaTypeValidatorTest.Ad("root_path", AttributeDefinition.STRING, 0, null),
            new MetaTypeValidatorTest.Ad("sync_remove", AttributeDefinition.BOOLEAN, 0, null)));
        schemas = (pid, properties, path, problems) -> {
            if (pid.equals("io.containerd.snapshotter.v1.overlayfs")) {
                MetaTypeValidator.validate(pid, properties, ocd, path, problems);
            }
        };
        write(BASE);
        assertEquals(Status.APPLIED, reloader.start().status());
        write(BASE.replace("root_path = \"/data/overlay\"", "root_path = \"/data/overlay\"\nsync_remove = 1"));
        ConfigReloader.Outcome o = reloader.reload();
        assertEquals(Status.REJECTED, o.status());
        assertTrue(o.reason().contains(
            "plugins.\"io.containerd.snapshotter.v1.overlayfs\".sync_remove: expected a boolean, got integer 1"),
            o.reason());
    }

    @Test
    void restartSettingsAreAppliedButOnlyTakeEffectAfterARestart() throws IOException {
        frameworkProperties.put("containerj.root", "/var/lib/cj");
        write(BASE);
        reloader.start();
        write(BASE.replace("/var/lib/cj", "/srv/cj"));
        ConfigReloader.Outcome o = reloader.reload();
        assertEquals(Status.APPLIED, o.status());
        assertEquals(List.of("containerj.daemon"), o.result().changed());
        assertEquals(List.of("root: \"/srv/cj\" (in effect: \"/var/lib/cj\")"),
            RestartSettings.inEffect(frameworkProperties::get, RestartSettings.of(DaemonConfig.defaults()))
                .changesTo(RestartSettings.of(reloader.current())).subList(0, 1));
    }

    @Test
    void oomScoreIsWritten() throws IOException {
        write("oom_score = -500\n" + BASE);
        reloader.start();
        assertEquals("-500\n", Files.readString(oomFile));
    }
}
