package org.containerj.launcher;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DaemonSettingsTest {

    private static final Path SRC = Path.of("/etc/containerj/config.toml");

    @Test
    void emptyFileMeansDefaults() throws Exception {
        DaemonSettings s = DaemonSettings.parse("", SRC);
        assertEquals(Path.of("/var/lib/containerj"), s.root());
        assertEquals(Path.of("/run/containerj"), s.state());
        assertEquals(Path.of("/run/containerj/containerj.sock"), s.grpcAddress());
        assertEquals(0, s.grpcUid());
        assertEquals(0, s.grpcGid());
        assertEquals(LogLevel.INFO, s.debugLevel());
        assertEquals(SRC, s.configFile());
        assertEquals(Path.of("/run/containerj/shell.sock"), s.shellSocket());
    }

    @Test
    void readsGlobalKeys() throws Exception {
        DaemonSettings s = DaemonSettings.parse("""
                version = 2
                root = "/tmp/cj/root"
                state = "/tmp/cj/state/"
                disabled_plugins = ["x"]
                [grpc]
                  address = "/tmp/cj/state/c.sock"
                  uid = 1000
                  gid = 1001
                [debug]
                  level = "warning"
                [plugins."io.containerd.metadata.v1.bolt"]
                  content_sharing_policy = "shared"
                """, SRC);
        assertEquals(Path.of("/tmp/cj/root"), s.root());
        assertEquals(Path.of("/tmp/cj/state"), s.state());
        assertEquals(Path.of("/tmp/cj/state/c.sock"), s.grpcAddress());
        assertEquals(1000, s.grpcUid());
        assertEquals(1001, s.grpcGid());
        assertEquals(LogLevel.WARN, s.debugLevel());
        assertEquals("1000", s.frameworkProperties().get("containerj.grpc.uid"));
        assertEquals("warn", s.frameworkProperties().get("containerj.debug.level"));
        assertEquals(SRC.toString(), s.frameworkProperties().get("containerj.config"));
    }

    @Test
    void shippedDefaultConfigEqualsBuiltInDefaults() throws Exception {
        String text = Files.readString(Path.of("../config/config.toml"));
        DaemonSettings s = DaemonSettings.parse(text, SRC);
        DaemonSettings d = DaemonSettings.defaults();
        assertEquals(d.root(), s.root());
        assertEquals(d.state(), s.state());
        assertEquals(d.grpcAddress(), s.grpcAddress());
        assertEquals(d.grpcUid(), s.grpcUid());
        assertEquals(d.grpcGid(), s.grpcGid());
        assertEquals(d.debugLevel(), s.debugLevel());
    }

    @Test
    void relativeRootIsRejectedNamingTheKey() {
        SettingsException e = assertThrows(SettingsException.class,
                () -> DaemonSettings.parse("root = \"var/lib/containerj\"", SRC));
        assertTrue(e.getMessage().contains("root: must be an absolute path"), e.getMessage());
    }

    @Test
    void uidThatIsNotANumberIsRejectedNamingTheKey() {
        SettingsException e = assertThrows(SettingsException.class,
                () -> DaemonSettings.parse("[grpc]\nuid = \"root\"\n", SRC));
        assertTrue(e.getMessage().contains("grpc.uid: must be a number"), e.getMessage());
        e = assertThrows(SettingsException.class, () -> DaemonSettings.parse("[grpc]\ngid = -1\n", SRC));
        assertTrue(e.getMessage().contains("grpc.gid"), e.getMessage());
    }

    @Test
    void otherInvalidValues() {
        assertThrows(SettingsException.class, () -> DaemonSettings.parse("version = 3", SRC));
        assertThrows(SettingsException.class, () -> DaemonSettings.parse("grpc = 1", SRC));
        assertThrows(SettingsException.class, () -> DaemonSettings.parse("state = 5", SRC));
        SettingsException e = assertThrows(SettingsException.class,
                () -> DaemonSettings.parse("[debug]\nlevel = \"loud\"\n", SRC));
        assertTrue(e.getMessage().contains("debug.level"), e.getMessage());
        e = assertThrows(SettingsException.class,
                () -> DaemonSettings.parse("[grpc]\naddress = \"/" + "x".repeat(120) + "\"\n", SRC));
        assertTrue(e.getMessage().contains("grpc.address"), e.getMessage());
        e = assertThrows(SettingsException.class, () -> DaemonSettings.parse("root = ", SRC));
        assertTrue(e.getMessage().contains("invalid TOML"), e.getMessage());
    }

    @Test
    void givenFileMustExist(@TempDir Path dir) throws Exception {
        SettingsException e = assertThrows(SettingsException.class,
                () -> DaemonSettings.load(dir.resolve("missing.toml")));
        assertTrue(e.getMessage().contains("does not exist"), e.getMessage());
        Path f = dir.resolve("c.toml");
        Files.writeString(f, "root = \"/srv/cj\"\n");
        DaemonSettings s = DaemonSettings.load(f);
        assertEquals(Path.of("/srv/cj"), s.root());
        assertEquals(f, s.configFile());
        assertNull(DaemonSettings.defaults().configFile());
    }
}
