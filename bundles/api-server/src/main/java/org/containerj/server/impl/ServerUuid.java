package org.containerj.server.impl;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.UUID;

/**
 * The daemon's identity, made once and kept across restarts (containerd keeps it in
 * its introspection plugin's directory). Written to a temporary file and renamed, so a
 * crash never leaves a half-written uuid.
 */
final class ServerUuid {
    private ServerUuid() {
    }

    static String loadOrCreate(Path dir) throws IOException {
        Path file = dir.resolve("uuid");
        if (Files.isRegularFile(file)) {
            String existing = Files.readString(file, StandardCharsets.US_ASCII).trim();
            try {
                return UUID.fromString(existing).toString();
            } catch (IllegalArgumentException corrupt) {
                // fall through: replace a damaged file with a new identity
            }
        }
        Files.createDirectories(dir);
        String uuid = UUID.randomUUID().toString();
        Path tmp = Files.createTempFile(dir, "uuid", ".tmp");
        Files.writeString(tmp, uuid, StandardCharsets.US_ASCII);
        try (var channel = java.nio.channels.FileChannel.open(tmp, java.nio.file.StandardOpenOption.WRITE)) {
            channel.force(true);
        }
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        return uuid;
    }
}
