package org.containerj.config.impl;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The keys of containerd's {@code config.toml} version 2 and what containerj does with them.
 * Turns one parsed file into a {@link ConfigFragment}: a value of the wrong type is an error
 * naming the key; an unknown key, or a containerd key that containerj does not implement but
 * that is set to something other than its zero value, is a warning.
 */
final class ConfigSchema {

    /** The only version read: containerd 1.x's format with fully qualified plugin names. */
    static final long VERSION = 2;

    /** PIDs this bundle fills from top-level sections; a plugin table may not use them. */
    static final Set<String> OWN_PIDS = Set.of(
        DaemonConfig.GRPC_PID, DaemonConfig.DEBUG_PID, DaemonConfig.DAEMON_PID, DaemonConfig.PROXY_FACTORY_PID);

    /** {@code [proxy_plugins.NAME] type} values. */
    static final Set<String> PROXY_TYPES = Set.of("snapshot", "content", "diff", "sandbox");

    /** {@code [debug] level} values containerd accepts. */
    static final Set<String> LEVELS = Set.of("trace", "debug", "info", "warn", "warning", "error", "fatal", "panic");

    private static final long MAX_ID = 0xFFFF_FFFFL;

    private ConfigSchema() {
    }

    /**
     * Reads one file's tree.
     *
     * @param tree the parsed file (plain maps, see {@link TomlValues})
     * @param file the file, for the fragment
     * @param main whether this is the main file (only the main file should set {@code version})
     * @param problems where errors and warnings go
     */
    static ConfigFragment read(Map<String, Object> tree, Path file, boolean main, ProblemList problems) {
        TableReader top = new TableReader(tree, KeyPath.root(), problems);

        Long version = top.integer("version", Long.MIN_VALUE, Long.MAX_VALUE);
        if (version != null && version != VERSION) {
            problems.error(top.path("version"), "unsupported config version " + version
                + ": containerj reads version 2 (containerd 1.x's format with fully qualified plugin names)");
        } else if (!top.has("version") && main) {
            problems.warn(top.path("version"), "not set; reading the file as version 2");
        }

        String root = absolutePath(top, "root");
        String state = absolutePath(top, "state");
        unsupportedString(top, "temp", "not supported by containerj, ignored");
        unsupportedString(top, "plugin_dir", "Go plugins are not supported, ignored (drop bundles into deploy/ instead)");

        Map<String, Object> grpcTable = top.table("grpc");
        SortedMap<String, Object> grpc = grpcTable == null ? null
            : grpc(new TableReader(grpcTable, top.path("grpc"), problems));
        Map<String, Object> debugTable = top.table("debug");
        SortedMap<String, Object> debug = debugTable == null ? null
            : debug(new TableReader(debugTable, top.path("debug"), problems));

        List<String> disabled = pluginUris(top, "disabled_plugins");
        List<String> required = pluginUris(top, "required_plugins");
        Long oomScore = top.integer("oom_score", -1000, 1000);
        List<String> imports = top.strings("imports");

        Map<String, SortedMap<String, Object>> plugins = plugins(top);
        Map<String, SortedMap<String, Object>> proxies = proxyPlugins(top);

        unsupportedSection(top, "ttrpc", "ttrpc is not supported by containerj, ignored");
        unsupportedSection(top, "metrics", "the metrics endpoint is not supported by containerj, ignored");
        unsupportedSection(top, "cgroup", "placing the daemon in a cgroup is not supported by containerj, ignored");
        unsupportedSection(top, "timeouts", "not supported by containerj, ignored");
        unsupportedSection(top, "stream_processors", "stream processors are not supported by containerj, ignored");
        top.warnUnknown();

        return new ConfigFragment(file, version, root, state, grpc, debug,
            disabled == null ? List.of() : disabled,
            required == null ? List.of() : required,
            oomScore,
            imports == null ? List.of() : imports,
            plugins, proxies);
    }

    private static SortedMap<String, Object> grpc(TableReader r) {
        SortedMap<String, Object> p = new TreeMap<>();
        putIfSet(p, "address", r.nonEmptyString("address"));
        putIfSet(p, "uid", r.integer("uid", 0, MAX_ID));
        putIfSet(p, "gid", r.integer("gid", 0, MAX_ID));
        putIfSet(p, "max_recv_message_size", r.integer("max_recv_message_size", 0, Integer.MAX_VALUE));
        putIfSet(p, "max_send_message_size", r.integer("max_send_message_size", 0, Integer.MAX_VALUE));
        for (String key : List.of("tcp_address", "tcp_tls_ca", "tcp_tls_cert", "tcp_tls_key")) {
            putIfSet(p, key, unsupportedString(r, key,
                "TCP is not supported: containerj serves gRPC on the unix socket only, ignored"));
        }
        r.warnUnknown();
        return p;
    }

    private static SortedMap<String, Object> debug(TableReader r) {
        SortedMap<String, Object> p = new TreeMap<>();
        putIfSet(p, "address", unsupportedString(r, "address", "the debug socket is not supported by containerj, ignored"));
        putIfSet(p, "uid", r.integer("uid", 0, MAX_ID));
        putIfSet(p, "gid", r.integer("gid", 0, MAX_ID));
        String level = r.string("level");
        if (level != null && !level.isEmpty() && !LEVELS.contains(level)) {
            r.problems().error(r.path("level"), "unknown level \"" + level + "\", expected one of "
                + "trace, debug, info, warn, error, fatal, panic");
        } else {
            putIfSet(p, "level", level);
        }
        String format = r.string("format");
        if (format != null && !format.isEmpty() && !format.equals("text") && !format.equals("json")) {
            r.problems().error(r.path("format"), "unknown format \"" + format + "\", expected text or json");
        } else {
            putIfSet(p, "format", format);
        }
        r.warnUnknown();
        return p;
    }

    private static Map<String, SortedMap<String, Object>> plugins(TableReader top) {
        Map<String, Object> table = top.table("plugins");
        Map<String, SortedMap<String, Object>> out = new LinkedHashMap<>();
        if (table == null) {
            return out;
        }
        ProblemList problems = top.problems();
        for (Map.Entry<String, Object> e : table.entrySet()) {
            String pid = e.getKey();
            KeyPath path = top.path("plugins").child(pid);
            if (!TomlValues.isTable(e.getValue())) {
                problems.error(path, "expected a table, got " + TomlValues.describe(e.getValue()));
                continue;
            }
            if (OWN_PIDS.contains(pid)) {
                problems.error(path, "\"" + pid + "\" is the PID of a containerj section, not a plugin");
                continue;
            }
            if (pid.isEmpty() || pid.indexOf('.') < 0) {
                problems.warn(path, "not a fully qualified plugin name \"<type>.<id>\" (version 1 names are not"
                    + " translated); passed on as PID \"" + pid + "\"");
                if (pid.isEmpty()) {
                    continue;
                }
            }
            out.put(pid, PluginTables.flatten(TomlValues.table(e.getValue()), path, problems));
        }
        return out;
    }

    private static Map<String, SortedMap<String, Object>> proxyPlugins(TableReader top) {
        Map<String, Object> table = top.table("proxy_plugins");
        Map<String, SortedMap<String, Object>> out = new LinkedHashMap<>();
        if (table == null) {
            return out;
        }
        for (Map.Entry<String, Object> e : table.entrySet()) {
            String name = e.getKey();
            KeyPath path = top.path("proxy_plugins").child(name);
            if (!TomlValues.isTable(e.getValue())) {
                top.problems().error(path, "expected a table, got " + TomlValues.describe(e.getValue()));
                continue;
            }
            if (name.isEmpty()) {
                top.problems().error(path, "a proxy plugin needs a name");
                continue;
            }
            SortedMap<String, Object> p = proxyPlugin(name, new TableReader(TomlValues.table(e.getValue()), path,
                top.problems()));
            if (p != null) {
                out.put(name, p);
            }
        }
        return out;
    }

    private static SortedMap<String, Object> proxyPlugin(String name, TableReader r) {
        SortedMap<String, Object> p = new TreeMap<>();
        p.put("name", name);
        String type = r.string("type");
        if (!r.has("type")) {
            r.problems().error(r.path("type"), "missing; expected one of snapshot, content, diff, sandbox");
        } else if (type != null && !PROXY_TYPES.contains(type)) {
            r.problems().error(r.path("type"), "unsupported proxy plugin type \"" + type
                + "\", expected one of snapshot, content, diff, sandbox");
        } else {
            putIfSet(p, "type", type);
        }
        String address = r.nonEmptyString("address");
        if (!r.has("address")) {
            r.problems().error(r.path("address"), "missing; expected the path of the plugin's unix socket");
        }
        putIfSet(p, "address", address);
        putIfSet(p, "platform", r.string("platform"));
        Map<String, Object> exports = r.table("exports");
        if (exports != null) {
            for (Map.Entry<String, Object> x : exports.entrySet()) {
                if (x.getValue() instanceof String s) {
                    p.put("exports." + x.getKey(), s);
                } else {
                    r.problems().error(r.path("exports").child(x.getKey()),
                        "expected a string, got " + TomlValues.describe(x.getValue()));
                }
            }
        }
        List<String> capabilities = r.strings("capabilities");
        if (capabilities != null) {
            p.put("capabilities", capabilities.toArray(new String[0]));
        }
        r.warnUnknown();
        return p;
    }

    /**
     * A list of plugins: {@code "<type>.<id>"} as containerd requires; a bare id (no dot) is
     * accepted with a warning and stands for every plugin with that id.
     */
    private static List<String> pluginUris(TableReader top, String key) {
        List<String> uris = top.strings(key);
        if (uris == null) {
            return null;
        }
        for (int i = 0; i < uris.size(); i++) {
            String uri = uris.get(i);
            if (uri.isBlank()) {
                top.problems().error(top.path(key).index(i), "empty plugin name, expected \"<type>.<id>\" such as"
                    + " io.containerd.snapshotter.v1.overlayfs");
                return null;
            }
            if (uri.indexOf('.') < 0) {
                top.problems().warn(top.path(key).index(i), "\"" + uri + "\" is a plugin id, not \"<type>.<id>\""
                    + " (containerd rejects it); it stands for every plugin with that id");
            }
        }
        return uris;
    }

    private static String absolutePath(TableReader r, String key) {
        String s = r.nonEmptyString(key);
        if (s != null && !Path.of(s).isAbsolute()) {
            r.problems().error(r.path(key), "must be an absolute path, got \"" + s + "\"");
            return null;
        }
        return s;
    }

    /** A string key containerd knows and containerj ignores: warns when it is not empty. */
    private static String unsupportedString(TableReader r, String key, String why) {
        String s = r.string(key);
        if (s != null && !s.isEmpty()) {
            r.problems().warn(r.path(key), why);
        }
        return s;
    }

    /** A table containerd knows and containerj ignores: warns when any of its values is set. */
    private static void unsupportedSection(TableReader r, String key, String why) {
        Map<String, Object> t = r.table(key);
        if (t != null && !TomlValues.isZero(t)) {
            r.problems().warn(r.path(key), why);
        }
    }

    private static void putIfSet(Map<String, Object> p, String key, Object value) {
        if (value != null) {
            p.put(key, value);
        }
    }
}
