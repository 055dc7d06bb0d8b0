package org.containerj.launcher;

import java.util.Locale;
import java.util.logging.Level;

/**
 * containerd's log levels ({@code [debug] level}) and what each means for the
 * loggers that run in the daemon: tinylog, the Felix framework logger,
 * FileInstall, SCR and java.util.logging (gRPC and Netty).
 */
public enum LogLevel {
    TRACE("trace", 4, "debug", Level.FINEST),
    DEBUG("debug", 4, "debug", Level.FINE),
    INFO("info", 3, "warn", Level.INFO),
    WARN("warn", 2, "warn", Level.WARNING),
    ERROR("error", 1, "error", Level.SEVERE),
    FATAL("error", 1, "error", Level.SEVERE),
    PANIC("error", 1, "error", Level.SEVERE);

    private final String tinylog;
    private final int felix;
    private final String scr;
    private final Level jul;

    LogLevel(String tinylog, int felix, String scr, Level jul) {
        this.tinylog = tinylog;
        this.felix = felix;
        this.scr = scr;
        this.jul = jul;
    }

    /**
     * Parses a containerd level name; "warning" is accepted for "warn" as
     * containerd (logrus) does.
     *
     * @throws IllegalArgumentException for any other name
     */
    public static LogLevel parse(String name) {
        String n = name.trim().toLowerCase(Locale.ROOT);
        if (n.equals("warning")) {
            return WARN;
        }
        for (LogLevel level : values()) {
            if (level.containerdName().equals(n)) {
                return level;
            }
        }
        throw new IllegalArgumentException("unknown log level \"" + name
                + "\" (expected trace, debug, info, warn, error, fatal or panic)");
    }

    /** The name as written in config.toml. */
    public String containerdName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** tinylog severity name (fatal and panic have no own level there). */
    public String tinylog() {
        return tinylog;
    }

    /** Level for {@code felix.log.level} and {@code felix.fileinstall.log.level}: 1 error .. 4 debug. */
    public int felix() {
        return felix;
    }

    /** Level for SCR's {@code ds.loglevel}; SCR's info messages only show at debug. */
    public String scr() {
        return scr;
    }

    /** Threshold for java.util.logging, which gRPC and Netty log to. */
    public Level jul() {
        return jul;
    }
}
