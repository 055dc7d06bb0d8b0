package org.containerj.config.impl;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Something wrong with a configuration file: an error (the file is rejected) or a
 * warning (the key is ignored or not supported). Always names the file and the key.
 *
 * @param severity error or warning
 * @param file the file the key is in, or null when the problem is not tied to a file
 * @param key the key path, e.g. {@code grpc.uid}
 * @param message what is wrong
 */
public record ConfigProblem(Severity severity, Path file, KeyPath key, String message) {

    public enum Severity { ERROR, WARNING }

    public ConfigProblem {
        Objects.requireNonNull(severity, "severity");
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(message, "message");
    }

    public static ConfigProblem error(Path file, KeyPath key, String message) {
        return new ConfigProblem(Severity.ERROR, file, key, message);
    }

    public static ConfigProblem warning(Path file, KeyPath key, String message) {
        return new ConfigProblem(Severity.WARNING, file, key, message);
    }

    public boolean isError() {
        return severity == Severity.ERROR;
    }

    /** {@code /etc/containerj/config.toml: grpc.uid: expected an integer, got string "x"}. */
    @Override
    public String toString() {
        String where = key.isRoot() ? "" : key + ": ";
        return (file == null ? "" : file + ": ") + where + message;
    }
}
