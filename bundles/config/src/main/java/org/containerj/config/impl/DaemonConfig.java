package org.containerj.config.impl;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The daemon's configuration: the main file merged with its imports, immutable. Knows which
 * Configuration Admin configurations it stands for ({@link #configurations()} and
 * {@link #proxyConfigurations()}).
 */
public final class DaemonConfig {

    /** PID of the {@code [grpc]} table. */
    public static final String GRPC_PID = "containerj.grpc";
    /** PID of the {@code [debug]} table. */
    public static final String DEBUG_PID = "containerj.debug";
    /** PID of the top-level keys (root, state, oom_score, disabled/required plugins, files read). */
    public static final String DAEMON_PID = "containerj.daemon";
    /** Factory PID of {@code [proxy_plugins.NAME]} tables; NAME is the configuration's name. */
    public static final String PROXY_FACTORY_PID = "containerj.proxy";

    public static final String DEFAULT_ROOT = "/var/lib/containerj";
    public static final String DEFAULT_STATE = "/run/containerj";
    public static final String DEFAULT_GRPC_ADDRESS = "/run/containerj/containerj.sock";
    public static final String DEFAULT_LEVEL = "info";

    /** containerd's proxy plugin types and the plugin type each registers as. */
    private static final Map<String, String> PROXY_PLUGIN_TYPES = Map.of(
        "snapshot", "io.containerd.snapshotter.v1",
        "content", "io.containerd.content.v1",
        "diff", "io.containerd.differ.v1",
        "sandbox", "io.containerd.sandbox.controller.v1");

    private static final DaemonConfig DEFAULTS = new DaemonConfig(List.of(), null, null, null, null,
        List.of(), List.of(), null, new TreeMap<>(), new TreeMap<>(), Map.of());

    private final List<Path> files;
    private final String root;
    private final String state;
    private final SortedMap<String, Object> grpc;
    private final SortedMap<String, Object> debug;
    private final List<String> disabledPlugins;
    private final List<String> requiredPlugins;
    private final Long oomScore;
    private final SortedMap<String, SortedMap<String, Object>> plugins;
    private final SortedMap<String, SortedMap<String, Object>> proxyPlugins;
    private final Map<String, Path> pluginFiles;

    private DaemonConfig(List<Path> files, String root, String state, SortedMap<String, Object> grpc,
                         SortedMap<String, Object> debug, List<String> disabledPlugins, List<String> requiredPlugins,
                         Long oomScore, SortedMap<String, SortedMap<String, Object>> plugins,
                         SortedMap<String, SortedMap<String, Object>> proxyPlugins, Map<String, Path> pluginFiles) {
        this.files = List.copyOf(files);
        this.root = root;
        this.state = state;
        this.grpc = grpc == null ? null : Collections.unmodifiableSortedMap(grpc);
        this.debug = debug == null ? null : Collections.unmodifiableSortedMap(debug);
        this.disabledPlugins = List.copyOf(disabledPlugins);
        this.requiredPlugins = List.copyOf(requiredPlugins);
        this.oomScore = oomScore;
        this.plugins = Collections.unmodifiableSortedMap(plugins);
        this.proxyPlugins = Collections.unmodifiableSortedMap(proxyPlugins);
        this.pluginFiles = Map.copyOf(pluginFiles);
    }

    /** Built-in defaults: no file. */
    public static DaemonConfig defaults() {
        return DEFAULTS;
    }

    /**
     * Merges the main file and its imports in the order they were read, as containerd does:
     * a later file's {@code root}, {@code state}, {@code oom_score} and each {@code [grpc]} and
     * {@code [debug]} key override earlier ones; {@code disabled_plugins} and
     * {@code required_plugins} are appended; a later {@code [plugins."<type>.<id>"]} or
     * {@code [proxy_plugins.NAME]} table replaces an earlier one as a whole.
     */
    static DaemonConfig merge(List<ConfigFragment> fragments) {
        List<Path> files = new ArrayList<>();
        String root = null;
        String state = null;
        SortedMap<String, Object> grpc = null;
        SortedMap<String, Object> debug = null;
        Set<String> disabled = new LinkedHashSet<>();
        Set<String> required = new LinkedHashSet<>();
        Long oomScore = null;
        SortedMap<String, SortedMap<String, Object>> plugins = new TreeMap<>();
        SortedMap<String, SortedMap<String, Object>> proxies = new TreeMap<>();
        Map<String, Path> pluginFiles = new HashMap<>();
        for (ConfigFragment f : fragments) {
            files.add(f.file());
            root = f.root() != null ? f.root() : root;
            state = f.state() != null ? f.state() : state;
            oomScore = f.oomScore() != null ? f.oomScore() : oomScore;
            if (f.grpc() != null) {
                grpc = grpc == null ? new TreeMap<>() : grpc;
                grpc.putAll(f.grpc());
            }
            if (f.debug() != null) {
                debug = debug == null ? new TreeMap<>() : debug;
                debug.putAll(f.debug());
            }
            disabled.addAll(f.disabledPlugins());
            required.addAll(f.requiredPlugins());
            plugins.putAll(f.plugins());
            f.plugins().keySet().forEach(pid -> pluginFiles.put(pid, f.file()));
            proxies.putAll(f.proxyPlugins());
        }
        return new DaemonConfig(files, root, state, grpc, debug, new ArrayList<>(disabled), new ArrayList<>(required),
            oomScore, plugins, proxies, pluginFiles);
    }

    /** The files this configuration was read from, the main file first; empty for the defaults. */
    public List<Path> files() {
        return files;
    }

    public String root() {
        return root == null ? DEFAULT_ROOT : root;
    }

    public String state() {
        return state == null ? DEFAULT_STATE : state;
    }

    public String grpcAddress() {
        return grpc == null ? DEFAULT_GRPC_ADDRESS : (String) grpc.getOrDefault("address", DEFAULT_GRPC_ADDRESS);
    }

    public long grpcUid() {
        return grpc == null ? 0L : (Long) grpc.getOrDefault("uid", 0L);
    }

    public long grpcGid() {
        return grpc == null ? 0L : (Long) grpc.getOrDefault("gid", 0L);
    }

    public String debugLevel() {
        String level = debug == null ? null : (String) debug.get("level");
        return level == null || level.isEmpty() ? DEFAULT_LEVEL : level;
    }

    /** {@code oom_score}, or null when not set. */
    public Long oomScore() {
        return oomScore;
    }

    /** {@code disabled_plugins}, without duplicates. */
    public List<String> disabledPlugins() {
        return disabledPlugins;
    }

    public List<String> requiredPlugins() {
        return requiredPlugins;
    }

    /** The plugin tables' properties by PID. */
    public SortedMap<String, SortedMap<String, Object>> plugins() {
        return plugins;
    }

    /** The file a plugin table comes from (the last one that has it), or null. */
    public Path pluginFile(String pid) {
        return pluginFiles.get(pid);
    }

    /**
     * The configurations with a PID: {@value #DAEMON_PID} always, {@value #GRPC_PID} and
     * {@value #DEBUG_PID} when the file has the table, and one per plugin table.
     */
    public SortedMap<String, Map<String, Object>> configurations() {
        SortedMap<String, Map<String, Object>> out = new TreeMap<>(plugins);
        out.put(DAEMON_PID, daemonProperties());
        if (grpc != null) {
            out.put(GRPC_PID, grpc);
        }
        if (debug != null) {
            out.put(DEBUG_PID, debug);
        }
        return Collections.unmodifiableSortedMap(out);
    }

    /**
     * The factory configurations of {@value #PROXY_FACTORY_PID} by name: one per
     * {@code [proxy_plugins.NAME]}, except those whose plugin ({@code <type>.NAME}, e.g.
     * {@code io.containerd.snapshotter.v1.NAME}, or the bare NAME) is in
     * {@code disabled_plugins}.
     */
    public SortedMap<String, Map<String, Object>> proxyConfigurations() {
        SortedMap<String, Map<String, Object>> out = new TreeMap<>();
        proxyPlugins.forEach((name, props) -> {
            if (!isDisabledProxy(name, props)) {
                out.put(name, props);
            }
        });
        return Collections.unmodifiableSortedMap(out);
    }

    /** The proxy plugins left out because {@code disabled_plugins} names them. */
    public List<String> disabledProxyPlugins() {
        List<String> out = new ArrayList<>();
        proxyPlugins.forEach((name, props) -> {
            if (isDisabledProxy(name, props)) {
                out.add(name);
            }
        });
        return out;
    }

    private boolean isDisabledProxy(String name, Map<String, Object> props) {
        return disabledPlugins.contains(name)
            || disabledPlugins.contains(proxyPluginUri(name, (String) props.get("type")));
    }

    static String proxyPluginUri(String name, String type) {
        return PROXY_PLUGIN_TYPES.getOrDefault(type, "proxy." + type) + "." + name;
    }

    private Map<String, Object> daemonProperties() {
        SortedMap<String, Object> p = new TreeMap<>();
        p.put("version", ConfigSchema.VERSION);
        if (root != null) {
            p.put("root", root);
        }
        if (state != null) {
            p.put("state", state);
        }
        if (oomScore != null) {
            p.put("oom_score", oomScore);
        }
        p.put("disabled_plugins", disabledPlugins.toArray(new String[0]));
        p.put("required_plugins", requiredPlugins.toArray(new String[0]));
        p.put("config.files", files.stream().map(Path::toString).toArray(String[]::new));
        return p;
    }
}
