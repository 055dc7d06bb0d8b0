package org.containerj.server.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ServerUuidTest {
    @TempDir
    Path dir;

    @Test
    void madeOnceAndKeptAcrossRestarts() throws Exception {
        String first = ServerUuid.loadOrCreate(dir.resolve("io.containerd.grpc.v1.introspection"));
        UUID.fromString(first);
        assertEquals(first, ServerUuid.loadOrCreate(dir.resolve("io.containerd.grpc.v1.introspection")));
        try (var files = Files.list(dir.resolve("io.containerd.grpc.v1.introspection"))) {
            assertEquals(1, files.count(), "no temporary file is left behind");
        }
    }

    @Test
    void aDamagedFileIsReplaced() throws Exception {
        Path plugin = Files.createDirectories(dir.resolve("p"));
        Files.writeString(plugin.resolve("uuid"), "not-a-uuid");
        String made = ServerUuid.loadOrCreate(plugin);
        assertNotEquals("not-a-uuid", made);
        assertEquals(made, Files.readString(plugin.resolve("uuid")));
    }
}
