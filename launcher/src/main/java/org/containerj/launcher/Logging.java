package org.containerj.launcher;

import org.tinylog.Level;
import org.tinylog.provider.LoggingProvider;
import org.tinylog.provider.ProviderRegistry;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.logging.Handler;
import java.util.logging.LogManager;
import java.util.logging.LogRecord;

/**
 * Sets up logging for the whole daemon, before anything logs.
 *
 * <p>tinylog reads its {@code tinylog.*} system properties on first use, both in the launcher
 * and in the tinylog bundle inside Felix (a separate copy in its own class loader), so setting
 * them here configures both. {@code etc/tinylog.properties} of the distribution holds the
 * writer and format; the level always comes from {@code [debug] level} unless
 * {@code -Dtinylog.level} is given.
 *
 * <p>gRPC, Netty and FileInstall log through java.util.logging, and the Felix framework
 * through its own logger: both are forwarded to tinylog here, so everything ends up on
 * stderr in one format.
 */
final class Logging {

    static final String DEFAULT_FORMAT =
            "{date: yyyy-MM-dd'T'HH:mm:ss.SSSXXX} {level|min-size=5} [{thread}] {class-name}: {message}";

    private Logging() {
    }

    /**
     * @param home  the distribution directory (for {@code etc/tinylog.properties}), or null
     * @param level the daemon's {@code [debug] level}
     */
    static void configure(Path home, LogLevel level) {
        Path file = home == null ? null : home.resolve("etc").resolve("tinylog.properties");
        if (System.getProperty("tinylog.configuration") == null && file != null && Files.isRegularFile(file)) {
            System.setProperty("tinylog.configuration", file.toString());
        }
        if (System.getProperty("tinylog.configuration") == null) {
            setDefault("tinylog.writer", "console");
            setDefault("tinylog.writer.stream", "err");
            setDefault("tinylog.writer.format", DEFAULT_FORMAT);
        }
        setDefault("tinylog.level", level.tinylog());
        // The shutdown hook logs while stopping Felix; the console writer needs no flushing.
        setDefault("tinylog.autoshutdown", "false");
        installJulBridge(level);
    }

    private static void setDefault(String key, String value) {
        if (System.getProperty(key) == null) {
            System.setProperty(key, value);
        }
    }

    /** Replaces java.util.logging's console handler with one that forwards to tinylog. */
    private static void installJulBridge(LogLevel level) {
        java.util.logging.Logger root = LogManager.getLogManager().getLogger("");
        for (Handler h : root.getHandlers()) {
            root.removeHandler(h);
        }
        root.setLevel(level.jul());
        root.addHandler(new JulHandler());
    }

    private static Level tinylogLevel(java.util.logging.Level jul) {
        int v = jul.intValue();
        if (v >= java.util.logging.Level.SEVERE.intValue()) {
            return Level.ERROR;
        } else if (v >= java.util.logging.Level.WARNING.intValue()) {
            return Level.WARN;
        } else if (v >= java.util.logging.Level.INFO.intValue()) {
            return Level.INFO;
        } else if (v >= java.util.logging.Level.FINE.intValue()) {
            return Level.DEBUG;
        }
        return Level.TRACE;
    }

    /** Forwards JUL records; tinylog reports the class that called JUL as the source. */
    private static final class JulHandler extends Handler {

        @Override
        public void publish(LogRecord record) {
            if (record == null || !isLoggable(record)) {
                return;
            }
            String message = record.getMessage();
            Object[] params = record.getParameters();
            if (message != null && params != null && params.length > 0) {
                try {
                    message = java.text.MessageFormat.format(message, params);
                } catch (IllegalArgumentException e) {
                    // keep the pattern as is
                }
            }
            LoggingProvider provider = ProviderRegistry.getLoggingProvider();
            provider.log(frameBefore(record.getSourceClassName()), null, tinylogLevel(record.getLevel()),
                    record.getThrown(), null, message);
        }

        /**
         * tinylog takes the frame after the last frame of a "logger class" as the source.
         * JUL knows the real source (it skips its own and System.Logger's frames), so name
         * the class of the frame just above it.
         */
        private static String frameBefore(String source) {
            String jul = java.util.logging.Logger.class.getName();
            if (source == null) {
                return jul;
            }
            String found = StackWalker.getInstance().walk(frames -> {
                String previous = null;
                for (var it = frames.iterator(); it.hasNext(); ) {
                    String name = it.next().getClassName();
                    if (name.equals(source)) {
                        return previous;
                    }
                    previous = name;
                }
                return null;
            });
            return found == null ? jul : found;
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    }
}
