package org.containerj.config.impl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigReaderTest {

    @TempDir
    Path dir;

    private Path write(String name, String text) throws IOException {
        Path p = dir.resolve(name);
        Files.createDirectories(p.getParent());
        Files.writeString(p, text);
        return p;
    }

    private ConfigLoad read(String text) throws IOException {
        return new ConfigReader().read(write("config.toml", text));
    }

    /** The only error of a load, checked to name {@code key}. */
    private ConfigProblem onlyError(ConfigLoad load, String key) {
        assertFalse(load.valid(), "expected the file to be rejected");
        assertEquals(1, load.errors().size(), () -> "errors: " + load.errors());
        ConfigProblem p = load.errors().get(0);
        assertEquals(key, p.key().toString(), p::toString);
        return p;
    }

    private static boolean warns(ConfigLoad load, String key) {
        return load.warnings().stream().anyMatch(p -> p.key().toString().equals(key));
    }

    @Test
    void readsContainerdStyleFile() throws IOException {
        ConfigLoad load = read("""
            version = 2
            root = "/var/lib/cj"
            state = "/run/cj"
            oom_score = -999
            disabled_plugins = ["io.containerd.snapshotter.v1.btrfs"]
            required_plugins = ["io.containerd.grpc.v1.cri"]

            [grpc]
              address = "/run/cj/cj.sock"
              uid = 1000
              gid = 1001
              max_recv_message_size = 16777216

            [debug]
              level = "debug"

            [plugins."io.containerd.grpc.v1.cri"]
              sandbox_image = "registry.k8s.io/pause:3.9"
              [plugins."io.containerd.grpc.v1.cri".containerd]
                snapshotter = "overlayfs"
              [plugins."io.containerd.grpc.v1.cri".registry.mirrors."docker.io"]
                endpoint = ["https://mirror.example", "https://registry-1.docker.io"]

            [plugins."io.containerd.gc.v1.scheduler"]
              pause_threshold = 0.02
              deletion_threshold = 0
              startup_delay = "100ms"

            [proxy_plugins.stargz]
              type = "snapshot"
              address = "/run/stargz/stargz.sock"
              platform = "linux/amd64"
              capabilities = ["remote"]
              [proxy_plugins.stargz.exports]
                root = "/var/lib/stargz"
            """);
        assertTrue(load.valid(), () -> load.problems().toString());
        assertTrue(load.warnings().isEmpty(), () -> load.warnings().toString());
        DaemonConfig c = load.config();
        assertEquals("/var/lib/cj", c.root());
        assertEquals("/run/cj", c.state());
        assertEquals("/run/cj/cj.sock", c.grpcAddress());
        assertEquals(1000L, c.grpcUid());
        assertEquals("debug", c.debugLevel());
        assertEquals(-999L, c.oomScore());

        Map<String, Map<String, Object>> cfg = c.configurations();
        assertEquals(List.of("containerj.daemon", "containerj.debug", "containerj.grpc",
            "io.containerd.gc.v1.scheduler", "io.containerd.grpc.v1.cri"), List.copyOf(cfg.keySet()));
        assertEquals(Map.of("address", "/run/cj/cj.sock", "uid", 1000L, "gid", 1001L,
            "max_recv_message_size", 16777216L), cfg.get("containerj.grpc"));
        assertEquals(Map.of("level", "debug"), cfg.get("containerj.debug"));

        Map<String, Object> cri = cfg.get("io.containerd.grpc.v1.cri");
        assertEquals("registry.k8s.io/pause:3.9", cri.get("sandbox_image"));
        assertEquals("overlayfs", cri.get("containerd.snapshotter"));
        assertArrayEquals(new String[] {"https://mirror.example", "https://registry-1.docker.io"},
            (String[]) cri.get("registry.mirrors.docker.io.endpoint"));
        Map<String, Object> gc = cfg.get("io.containerd.gc.v1.scheduler");
        assertEquals(0.02, gc.get("pause_threshold"));
        assertEquals(0L, gc.get("deletion_threshold"));

        Map<String, Object> daemon = cfg.get("containerj.daemon");
        assertEquals(2L, daemon.get("version"));
        assertEquals("/var/lib/cj", daemon.get("root"));
        assertEquals(-999L, daemon.get("oom_score"));
        assertArrayEquals(new String[] {"io.containerd.snapshotter.v1.btrfs"}, (String[]) daemon.get("disabled_plugins"));
        assertArrayEquals(new String[] {"io.containerd.grpc.v1.cri"}, (String[]) daemon.get("required_plugins"));
        assertArrayEquals(new String[] {dir.resolve("config.toml").toString()}, (String[]) daemon.get("config.files"));

        Map<String, Object> stargz = c.proxyConfigurations().get("stargz");
        assertEquals("stargz", stargz.get("name"));
        assertEquals("snapshot", stargz.get("type"));
        assertEquals("/run/stargz/stargz.sock", stargz.get("address"));
        assertEquals("linux/amd64", stargz.get("platform"));
        assertEquals("/var/lib/stargz", stargz.get("exports.root"));
        assertArrayEquals(new String[] {"remote"}, (String[]) stargz.get("capabilities"));
    }

    @Test
    void emptyFileIsTheDefaultsWithAWarningAboutTheVersion() throws IOException {
        ConfigLoad load = read("");
        assertTrue(load.valid());
        assertTrue(warns(load, "version"));
        assertEquals("/var/lib/containerj", load.config().root());
        assertEquals("/run/containerj", load.config().state());
        assertEquals("/run/containerj/containerj.sock", load.config().grpcAddress());
        assertEquals("info", load.config().debugLevel());
        assertEquals(List.of("containerj.daemon"), List.copyOf(load.config().configurations().keySet()));
    }

    @Test
    void noFileIsTheDefaults() {
        ConfigLoad load = new ConfigReader().read(null);
        assertTrue(load.valid());
        assertTrue(load.problems().isEmpty());
        assertEquals(List.of(), load.config().files());
    }

    @Test
    void wrongTypesAreErrorsNamingTheKey() throws IOException {
        ConfigProblem p = onlyError(read("version = 2\nroot = 5\n"), "root");
        assertEquals("expected a string, got integer 5", p.message());
        assertEquals(dir.resolve("config.toml") + ": root: expected a string, got integer 5", p.toString());

        p = onlyError(read("version = 2\n[grpc]\nuid = \"x\"\n"), "grpc.uid");
        assertEquals("expected an integer, got string \"x\"", p.message());

        onlyError(read("version = 2\nstate = true\n"), "state");
        onlyError(read("version = 2\n[grpc]\naddress = 1\n"), "grpc.address");
        onlyError(read("version = 2\n[grpc]\ngid = -1\n"), "grpc.gid");
        onlyError(read("version = 2\ngrpc = \"x\"\n"), "grpc");
        onlyError(read("version = 2\n[debug]\nlevel = 3\n"), "debug.level");
        onlyError(read("version = 2\noom_score = \"high\"\n"), "oom_score");
        onlyError(read("version = 2\noom_score = 1001\n"), "oom_score");
        onlyError(read("version = 2\ndisabled_plugins = \"io.containerd.x.y\"\n"), "disabled_plugins");
        onlyError(read("version = 2\ndisabled_plugins = [\"a.b\", 5]\n"), "disabled_plugins.1");
        onlyError(read("version = 2\nimports = [1]\n"), "imports.0");
    }

    @Test
    void onlyVersionTwoIsRead() throws IOException {
        assertTrue(onlyError(read("version = 3\n"), "version").message().contains("unsupported config version 3"));
        onlyError(read("version = 1\n"), "version");
        onlyError(read("version = \"2\"\n"), "version");
    }

    @Test
    void pluginTableThatIsNotATableIsAnError() throws IOException {
        ConfigProblem p = onlyError(read("version = 2\n[plugins]\n\"io.containerd.gc.v1.scheduler\" = 5\n"),
            "plugins.\"io.containerd.gc.v1.scheduler\"");
        assertEquals("expected a table, got integer 5", p.message());
        onlyError(read("version = 2\nplugins = [1]\n"), "plugins");
        onlyError(read("version = 2\n[plugins.\"containerj.grpc\"]\nx = 1\n"), "plugins.\"containerj.grpc\"");
    }

    @Test
    void pluginNameWithoutTypeIsPassedOnWithAWarning() throws IOException {
        ConfigLoad load = read("version = 2\n[plugins.cri]\nx = 1\n");
        assertTrue(load.valid());
        assertTrue(warns(load, "plugins.cri"));
        assertEquals(Map.of("x", 1L), load.config().configurations().get("cri"));
    }

    @Test
    void unknownKeysAreWarningsWithTheKeyPath() throws IOException {
        ConfigLoad load = read("""
            version = 2
            rot = "/x"
            [grpc]
              adress = "/x.sock"
            [debug]
              colour = true
            [proxy_plugins.p]
              type = "content"
              address = "/p.sock"
              extra = 1
            """);
        assertTrue(load.valid(), () -> load.problems().toString());
        assertTrue(warns(load, "rot"));
        assertTrue(warns(load, "grpc.adress"));
        assertTrue(warns(load, "debug.colour"));
        assertTrue(warns(load, "proxy_plugins.p.extra"));
        assertEquals(4, load.warnings().size(), () -> load.warnings().toString());
        assertFalse(load.config().configurations().get("containerj.grpc").containsKey("adress"));
    }

    @Test
    void containerdKeysThatAreNotImplementedWarnOnlyWhenSet() throws IOException {
        ConfigLoad quiet = read("""
            version = 2
            temp = ""
            plugin_dir = ""
            imports = []
            [grpc]
              tcp_address = ""
              tcp_tls_cert = ""
            [ttrpc]
              address = ""
              uid = 0
            [debug]
              address = ""
              format = ""
            [metrics]
              address = ""
              grpc_histogram = false
            [cgroup]
              path = ""
            [timeouts]
            """);
        assertTrue(quiet.problems().isEmpty(), () -> quiet.problems().toString());

        ConfigLoad loud = read("""
            version = 2
            [grpc]
              tcp_address = "0.0.0.0:2375"
            [metrics]
              address = "127.0.0.1:1338"
            [timeouts]
              "io.containerd.timeout.shim.cleanup" = "5s"
            """);
        assertTrue(loud.valid());
        assertTrue(warns(loud, "grpc.tcp_address"));
        assertTrue(loud.warnings().stream().anyMatch(p -> p.message().contains("TCP is not supported")));
        assertTrue(warns(loud, "metrics"));
        assertTrue(warns(loud, "timeouts"));
    }

    @Test
    void debugLevelAndFormatAreChecked() throws IOException {
        onlyError(read("version = 2\n[debug]\nlevel = \"verbose\"\n"), "debug.level");
        onlyError(read("version = 2\n[debug]\nformat = \"xml\"\n"), "debug.format");
        assertTrue(read("version = 2\n[debug]\nlevel = \"warn\"\nformat = \"json\"\n").valid());
    }

    @Test
    void barePluginIdsAreAcceptedWithAWarning() throws IOException {
        ConfigLoad load = read("version = 2\ndisabled_plugins = [\"btrfs\"]\nrequired_plugins = [\"cri\"]\n");
        assertTrue(load.valid());
        assertTrue(warns(load, "disabled_plugins.0"));
        assertTrue(warns(load, "required_plugins.0"));
        assertEquals(List.of("btrfs"), load.config().disabledPlugins());
        onlyError(read("version = 2\ndisabled_plugins = [\"\"]\n"), "disabled_plugins.0");
    }

    @Test
    void proxyPluginsAreChecked() throws IOException {
        onlyError(read("version = 2\n[proxy_plugins.p]\ntype = \"snapshot\"\n"), "proxy_plugins.p.address");
        onlyError(read("version = 2\n[proxy_plugins.p]\naddress = \"/p.sock\"\n"), "proxy_plugins.p.type");
        onlyError(read("version = 2\n[proxy_plugins.p]\ntype = \"runtime\"\naddress = \"/p.sock\"\n"),
            "proxy_plugins.p.type");
        onlyError(read("version = 2\n[proxy_plugins.p]\ntype = \"diff\"\naddress = \"/p.sock\"\nexports = { a = 1 }\n"),
            "proxy_plugins.p.exports.a");
        onlyError(read("version = 2\n[proxy_plugins]\np = \"x\"\n"), "proxy_plugins.p");
    }

    @Test
    void disabledProxyPluginsAreLeftOut() throws IOException {
        ConfigLoad load = read("""
            version = 2
            disabled_plugins = ["io.containerd.content.v1.c", "d"]
            [proxy_plugins.a]
              type = "snapshot"
              address = "/a.sock"
            [proxy_plugins.c]
              type = "content"
              address = "/c.sock"
            [proxy_plugins.d]
              type = "diff"
              address = "/d.sock"
            """);
        assertTrue(load.valid(), () -> load.problems().toString());
        assertEquals(List.of("a"), List.copyOf(load.config().proxyConfigurations().keySet()));
        assertEquals(List.of("c", "d"), load.config().disabledProxyPlugins());
    }

    @Test
    void pathsMustBeAbsoluteAndDifferent() throws IOException {
        onlyError(read("version = 2\nroot = \"var/lib\"\n"), "root");
        onlyError(read("version = 2\nstate = \"\"\n"), "state");
        onlyError(read("version = 2\nroot = \"/x\"\nstate = \"/x\"\n"), "state");
    }

    @Test
    void syntaxErrorsNameTheLine() throws IOException {
        ConfigLoad load = read("version = 2\nroot = \"/x\"\n[grpc]\nuid = \n");
        ConfigProblem p = onlyError(load, "(top level)");
        assertTrue(p.message().startsWith("invalid TOML: line 4: "), p.message());
        assertTrue(onlyError(read("a = 1\na = 2\n"), "(top level)").message().contains("defined twice"));
    }

    @Test
    void everyErrorIsReported() throws IOException {
        ConfigLoad load = read("version = 2\nroot = 1\nstate = 2\n[grpc]\nuid = \"x\"\n");
        assertEquals(List.of("root", "state", "grpc.uid"),
            load.errors().stream().map(p -> p.key().toString()).toList());
    }

    @Test
    void missingMainFileIsReported() {
        ConfigLoad load = new ConfigReader().read(dir.resolve("absent.toml"));
        assertFalse(load.valid());
        assertTrue(load.mainMissing());
        assertTrue(load.targets().directories().contains(dir));
        assertTrue(load.targets().matches(dir.resolve("absent.toml")));
    }

    @Test
    void importsAreMergedAsContainerdDoes() throws IOException {
        write("conf.d/10-grpc.toml", """
            disabled_plugins = ["io.containerd.snapshotter.v1.native"]
            [grpc]
              uid = 7
            [plugins."io.containerd.gc.v1.scheduler"]
              startup_delay = "1s"
            """);
        write("conf.d/20-root.toml", "root = \"/srv/cj\"\n");
        write("conf.d/ignored.txt", "this is not toml =");
        write("extra.toml", "oom_score = 5\n");
        ConfigLoad load = read("""
            version = 2
            root = "/var/lib/cj"
            imports = ["conf.d/*.toml", "extra.toml"]
            disabled_plugins = ["io.containerd.snapshotter.v1.btrfs"]
            [grpc]
              address = "/run/cj.sock"
              uid = 1
            [plugins."io.containerd.gc.v1.scheduler"]
              pause_threshold = 0.5
              startup_delay = "100ms"
            """);
        assertTrue(load.valid(), () -> load.problems().toString());
        assertTrue(load.problems().isEmpty(), () -> load.problems().toString());
        DaemonConfig c = load.config();
        assertEquals(List.of(dir.resolve("config.toml"), dir.resolve("conf.d/10-grpc.toml"),
            dir.resolve("conf.d/20-root.toml"), dir.resolve("extra.toml")), c.files());
        assertEquals("/srv/cj", c.root());
        assertEquals(Map.of("address", "/run/cj.sock", "uid", 7L), c.configurations().get("containerj.grpc"));
        assertEquals(List.of("io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.native"),
            c.disabledPlugins());
        // a plugin table from a later file replaces the whole table
        assertEquals(Map.of("startup_delay", "1s"), c.configurations().get("io.containerd.gc.v1.scheduler"));
        assertEquals(5L, c.oomScore());
        assertEquals(dir.resolve("conf.d/10-grpc.toml"), c.pluginFile("io.containerd.gc.v1.scheduler"));

        WatchTargets t = load.targets();
        assertTrue(t.directories().containsAll(List.of(dir, dir.resolve("conf.d"))));
        assertTrue(t.matches(dir.resolve("conf.d/30-new.toml")));
        assertFalse(t.matches(dir.resolve("conf.d/30-new.txt")));
        assertTrue(t.matches(dir.resolve("extra.toml")));
    }

    @Test
    void importErrorsNameTheImportedFile() throws IOException {
        Path imported = write("imported.toml", "[grpc]\nuid = \"x\"\n");
        ConfigLoad load = read("version = 2\nimports = [\"imported.toml\"]\n");
        ConfigProblem p = onlyError(load, "grpc.uid");
        assertEquals(imported, p.file());
    }

    @Test
    void missingImportIsAnErrorButAnEmptyGlobIsNot() throws IOException {
        ConfigProblem p = onlyError(read("version = 2\nimports = [\"nope.toml\"]\n"), "(top level)");
        assertEquals(dir.resolve("nope.toml"), p.file());
        assertTrue(read("version = 2\nimports = [\"none.d/*.toml\"]\n").valid());
    }

    @Test
    void circularImportsAreReadOnce() throws IOException {
        write("a.toml", "imports = [\"config.toml\"]\noom_score = 1\n");
        ConfigLoad load = read("version = 2\nimports = [\"a.toml\", \"a.toml\"]\n");
        assertTrue(load.valid(), () -> load.problems().toString());
        assertEquals(2, load.config().files().size());
    }

    @Test
    void digestFollowsTheBytes() throws IOException {
        String a = read("version = 2\n").digest();
        String b = read("version = 2\n").digest();
        String c = read("version = 2\n\n").digest();
        assertNotNull(a);
        assertEquals(a, b);
        assertFalse(a.equals(c));
    }

    @Test
    void byteOrderMarkIsIgnored() throws IOException {
        assertTrue(read("\uFEFFversion = 2\n").valid());
        assertNull(read("version = 2\nroot = 1\n").config());
    }
}
