package org.containerj.config.impl;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.Collectors;

import org.tinylog.Logger;

/**
 * Reads the configuration, checks it, and when it is valid makes the daemon use it:
 * Configuration Admin ({@link ConfigAdminSync}), {@code disabled_plugins}
 * ({@link PluginDisabler}) and {@code oom_score} ({@link OomScore}). An invalid configuration
 * changes nothing. Logs {@code config applied: changed=[...]} after each applied load and
 * {@code config rejected: <reason>} for each invalid one.
 */
public final class ConfigReloader {

    /**
     * What a load did.
     *
     * @param status applied, rejected, or unchanged (the files hold the bytes read last time)
     * @param reason why it was rejected, else empty
     * @param result what changed in Configuration Admin, null unless applied
     */
    public record Outcome(Status status, String reason, ConfigAdminSync.Result result) {
        public enum Status { APPLIED, REJECTED, UNCHANGED }
    }

    private final Path file;
    private final ConfigReader reader;
    private final ConfigAdminSync sync;
    private final PluginDisabler disabler;
    private final OomScore oomScore;
    private final Supplier<PluginSchemas> schemas;
    private final Function<String, String> frameworkProperties;

    private DaemonConfig current;
    private RestartSettings inEffect;
    private String lastDigest;
    private WatchTargets targets = WatchTargets.NONE;

    /**
     * @param file the main file, null for none
     * @param frameworkProperties the launcher's settings, see {@link RestartSettings#inEffect}
     */
    public ConfigReloader(Path file, ConfigReader reader, ConfigAdminSync sync, PluginDisabler disabler,
                          OomScore oomScore, Supplier<PluginSchemas> schemas,
                          Function<String, String> frameworkProperties) {
        this.file = file;
        this.reader = reader;
        this.sync = sync;
        this.disabler = disabler;
        this.oomScore = oomScore;
        this.schemas = schemas;
        this.frameworkProperties = frameworkProperties;
    }

    /**
     * The first load. A main file that does not exist means the built-in defaults (the file is
     * applied once it is created); an invalid one is rejected, and the caller stops the daemon.
     */
    public synchronized Outcome start() {
        ConfigLoad load = load();
        DaemonConfig config;
        if (load.mainMissing()) {
            Logger.warn("config: {} does not exist; using the built-in defaults until it is created", file);
            config = DaemonConfig.defaults();
        } else {
            config = load.config();
        }
        inEffect = RestartSettings.inEffect(frameworkProperties,
            RestartSettings.of(config == null ? DaemonConfig.defaults() : config));
        if (config == null) {
            return reject(load);
        }
        if (!load.mainMissing()) {
            logWarnings(load);
        }
        return apply(config);
    }

    /** Loads again after a change; a configuration that is invalid keeps the last good one. */
    public synchronized Outcome reload() {
        String previousDigest = lastDigest;
        ConfigLoad load = load();
        if (load.digest().equals(previousDigest) && !load.mainMissing()) {
            Logger.debug("config: {} unchanged", file);
            return new Outcome(Outcome.Status.UNCHANGED, "", null);
        }
        if (!load.valid()) {
            return reject(load);
        }
        logWarnings(load);
        return apply(load.config());
    }

    /** What to watch, as of the last load. */
    public synchronized WatchTargets targets() {
        return targets;
    }

    /** The configuration applied last, null before the first. */
    public synchronized DaemonConfig current() {
        return current;
    }

    private ConfigLoad load() {
        ConfigLoad load = reader.read(file);
        lastDigest = load.digest();
        targets = load.targets();
        if (!load.valid()) {
            return load;
        }
        DaemonConfig config = load.config();
        PluginSchemas s = schemas.get();
        ProblemList problems = new ProblemList(file);
        for (Map.Entry<String, ? extends Map<String, Object>> e : config.plugins().entrySet()) {
            s.check(e.getKey(), e.getValue(), KeyPath.of("plugins", e.getKey()),
                problems.forFile(config.pluginFile(e.getKey())));
        }
        if (problems.all().isEmpty()) {
            return load;
        }
        List<ConfigProblem> all = new ArrayList<>(load.problems());
        all.addAll(problems.all());
        return new ConfigLoad(problems.hasErrors() ? null : config, all, false, load.targets(), load.digest());
    }

    private Outcome reject(ConfigLoad load) {
        logWarnings(load);
        String reason = load.errors().stream().map(ConfigProblem::toString).collect(Collectors.joining("; "));
        if (current != null) {
            Logger.error("config rejected: {} (the configuration applied before stays in effect)", reason);
        } else {
            Logger.error("config rejected: {}", reason);
        }
        return new Outcome(Outcome.Status.REJECTED, reason, null);
    }

    private Outcome apply(DaemonConfig config) {
        String source = file == null ? ConfigAdminSync.NO_FILE : file.toString();
        ConfigAdminSync.Result result;
        try {
            result = sync.apply(source, config.configurations(), DaemonConfig.PROXY_FACTORY_PID,
                config.proxyConfigurations());
        } catch (IOException | RuntimeException e) {
            Logger.error(e, "config rejected: Configuration Admin failed to store it: {}", e.toString());
            return new Outcome(Outcome.Status.REJECTED, "Configuration Admin failed: " + e, null);
        }
        for (String name : config.disabledProxyPlugins()) {
            Logger.info("config: proxy plugin {} is not configured: disabled_plugins lists it", name);
        }
        disabler.setDisabled(config.disabledPlugins());
        oomScore.apply(config.oomScore());
        for (String change : inEffect.changesTo(RestartSettings.of(config))) {
            Logger.warn("config: {} takes effect only after a restart", change);
        }
        current = config;
        Logger.info("config applied: changed={}{}", result.changed(),
            result.removed().isEmpty() ? "" : " removed=" + result.removed());
        return new Outcome(Outcome.Status.APPLIED, "", result);
    }

    private static void logWarnings(ConfigLoad load) {
        for (ConfigProblem p : load.warnings()) {
            Logger.warn("config: {}", p);
        }
    }
}
