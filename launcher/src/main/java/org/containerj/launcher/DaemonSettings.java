package org.containerj.launcher;

import com.electronwill.nightconfig.core.UnmodifiableConfig;
import com.electronwill.nightconfig.core.io.ParsingException;
import com.electronwill.nightconfig.toml.TomlParser;

import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The few settings the launcher needs before the framework starts, read from
 * the global keys of a containerd version 2 {@code config.toml}. Everything
 * else in the file (plugins, proxy plugins) belongs to the config bundle.
 *
 * @param configFile absolute path of the file read, or null when the defaults are used
 * @param root       {@code root}: persistent data
 * @param state      {@code state}: sockets and runtime state
 * @param grpcAddress {@code [grpc] address}: the API socket
 * @param grpcUid    {@code [grpc] uid}: owner of the API socket
 * @param grpcGid    {@code [grpc] gid}: group of the API socket
 * @param debugLevel {@code [debug] level}
 */
public record DaemonSettings(Path configFile, Path root, Path state, Path grpcAddress,
                             int grpcUid, int grpcGid, LogLevel debugLevel) {

    /** Used when no {@code --config} is given; a missing file there means the defaults. */
    public static final Path DEFAULT_CONFIG = Path.of("/etc/containerj/config.toml");

    public static final Path DEFAULT_ROOT = Path.of("/var/lib/containerj");
    public static final Path DEFAULT_STATE = Path.of("/run/containerj");
    public static final Path DEFAULT_GRPC_ADDRESS = Path.of("/run/containerj/containerj.sock");

    /** The shell socket's file name inside {@link #state()}. */
    public static final String SHELL_SOCKET = "shell.sock";

    /** sun_path is 108 bytes including the terminating NUL. */
    static final int MAX_SOCKET_PATH = 107;

    public DaemonSettings {
        Objects.requireNonNull(root, "root");
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(grpcAddress, "grpcAddress");
        Objects.requireNonNull(debugLevel, "debugLevel");
    }

    /** The built-in defaults, as in {@code config/config.toml}. */
    public static DaemonSettings defaults() {
        return new DaemonSettings(null, DEFAULT_ROOT, DEFAULT_STATE, DEFAULT_GRPC_ADDRESS, 0, 0, LogLevel.INFO);
    }

    /**
     * Reads the settings for the command line's {@code --config} value.
     *
     * @param file the file given with {@code --config}, or null for {@link #DEFAULT_CONFIG}
     *             (whose absence means the built-in defaults; a given file must exist)
     */
    public static DaemonSettings load(Path file) throws SettingsException {
        Path path = file == null ? DEFAULT_CONFIG : file;
        String text;
        try {
            text = Files.readString(path, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            if (file == null) {
                return defaults();
            }
            throw new SettingsException("config file " + path + " does not exist");
        } catch (IOException e) {
            throw new SettingsException("cannot read config file " + path + ": " + e.getMessage(), e);
        }
        return parse(text, path.toAbsolutePath().normalize());
    }

    /**
     * Parses a config.toml's global keys.
     *
     * @param source the file the text came from (used in messages and as {@link #configFile()})
     */
    public static DaemonSettings parse(String text, Path source) throws SettingsException {
        UnmodifiableConfig toml;
        try (Reader reader = new StringReader(text)) {
            toml = new TomlParser().parse(reader);
        } catch (ParsingException | IOException e) {
            throw new SettingsException(source + ": invalid TOML: " + e.getMessage(), e);
        }
        Map<String, Object> top = toml.valueMap();
        Keys keys = new Keys(source);

        Object version = top.get("version");
        if (version != null && !(version instanceof Number n && n.longValue() == 2)) {
            throw keys.invalid("version", version, "only config version 2 is supported");
        }
        Map<String, Object> grpc = keys.table(top, "grpc");
        Map<String, Object> debug = keys.table(top, "debug");

        Path root = keys.absolutePath(top, "root", DEFAULT_ROOT);
        Path state = keys.absolutePath(top, "state", DEFAULT_STATE);
        Path address = keys.absolutePath(grpc, "grpc.address", DEFAULT_GRPC_ADDRESS);
        keys.checkSocketPath("grpc.address", address);
        keys.checkSocketPath("state", state.resolve(SHELL_SOCKET));
        int uid = keys.id(grpc, "grpc.uid");
        int gid = keys.id(grpc, "grpc.gid");
        LogLevel level = keys.level(debug, "debug.level");
        return new DaemonSettings(source, root, state, address, uid, gid, level);
    }

    /** {@code <state>/shell.sock}, where the daemon's Gogo shell listens. */
    public Path shellSocket() {
        return state.resolve(SHELL_SOCKET);
    }

    /** The {@code containerj.*} framework properties of docs/architecture.md "Daemon settings". */
    public Map<String, String> frameworkProperties() {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("containerj.config", configFile == null ? "" : configFile.toString());
        p.put("containerj.root", root.toString());
        p.put("containerj.state", state.toString());
        p.put("containerj.grpc.address", grpcAddress.toString());
        p.put("containerj.grpc.uid", Integer.toString(grpcUid));
        p.put("containerj.grpc.gid", Integer.toString(grpcGid));
        p.put("containerj.debug.level", debugLevel.containerdName());
        return p;
    }

    /** Typed access to keys, producing messages that name the key. */
    private record Keys(Path source) {

        SettingsException invalid(String key, Object value, String why) {
            return new SettingsException(source + ": " + key + ": " + why + " (got " + show(value) + ")");
        }

        @SuppressWarnings("unchecked")
        Map<String, Object> table(Map<String, Object> top, String key) throws SettingsException {
            Object v = top.get(key);
            if (v == null) {
                return Map.of();
            }
            if (v instanceof UnmodifiableConfig c) {
                return (Map<String, Object>) c.valueMap();
            }
            throw invalid(key, v, "must be a table");
        }

        Path absolutePath(Map<String, Object> table, String key, Path fallback) throws SettingsException {
            Object v = table.get(leaf(key));
            if (v == null) {
                return fallback;
            }
            if (!(v instanceof String s) || s.isEmpty()) {
                throw invalid(key, v, "must be a non-empty string");
            }
            Path p;
            try {
                p = Path.of(s);
            } catch (RuntimeException e) {
                throw invalid(key, v, "is not a valid path");
            }
            if (!p.isAbsolute()) {
                throw invalid(key, v, "must be an absolute path");
            }
            return p.normalize();
        }

        void checkSocketPath(String key, Path socket) throws SettingsException {
            if (socket.toString().getBytes(StandardCharsets.UTF_8).length > MAX_SOCKET_PATH) {
                throw invalid(key, socket.toString(),
                        "socket path is longer than " + MAX_SOCKET_PATH + " bytes");
            }
        }

        int id(Map<String, Object> table, String key) throws SettingsException {
            Object v = table.get(leaf(key));
            if (v == null) {
                return 0;
            }
            if (!(v instanceof Integer || v instanceof Long)) {
                throw invalid(key, v, "must be a number");
            }
            long n = ((Number) v).longValue();
            if (n < 0 || n > Integer.MAX_VALUE) {
                throw invalid(key, v, "must be between 0 and " + Integer.MAX_VALUE);
            }
            return (int) n;
        }

        LogLevel level(Map<String, Object> table, String key) throws SettingsException {
            Object v = table.get(leaf(key));
            if (v == null) {
                return LogLevel.INFO;
            }
            if (!(v instanceof String s)) {
                throw invalid(key, v, "must be a string");
            }
            if (s.isEmpty()) {
                return LogLevel.INFO; // containerd treats an empty level as the default
            }
            try {
                return LogLevel.parse(s);
            } catch (IllegalArgumentException e) {
                throw invalid(key, v, e.getMessage());
            }
        }

        private static String leaf(String key) {
            return key.substring(key.lastIndexOf('.') + 1);
        }

        private static String show(Object value) {
            return value instanceof String ? "\"" + value + "\"" : String.valueOf(value);
        }
    }
}
