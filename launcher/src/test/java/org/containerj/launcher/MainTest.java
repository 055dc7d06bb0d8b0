package org.containerj.launcher;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MainTest {

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String... args) {
        return Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @Test
    void configDefaultPrintsTheRepositoryConfig() throws Exception {
        assertEquals(0, run("config", "default"));
        assertEquals(Files.readString(Path.of("../config/config.toml")), out.toString(StandardCharsets.UTF_8));
    }

    @Test
    void invalidSettingStopsStartUpWithExitCode1NamingTheKey(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("config.toml");
        Files.writeString(f, "version = 2\n[grpc]\nuid = \"nobody\"\n");
        assertEquals(1, run("--config", f.toString()));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("grpc.uid"), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void unknownCommandIsAUsageError() {
        assertEquals(1, run("frobnicate"));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("Usage:"));
    }

    @Test
    void shellWithoutDaemonFailsClearly(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("config.toml");
        Files.writeString(f, "state = \"" + dir + "\"\n");
        assertEquals(1, run("--config", f.toString(), "shell", "-c", "lb"));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("shell.sock"), err.toString(StandardCharsets.UTF_8));
    }
}
