package org.containerj.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;

import org.containerj.itests.support.CommandResult;
import org.containerj.itests.support.Daemon;
import org.containerj.itests.support.DaemonExtension;
import org.containerj.itests.support.Wait;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The registry client is the plugin {@code io.containerd.internal.v1.registry}: listed ok by
 * {@code ctr plugins ls}, and its config.toml table {@code [plugins."io.containerd.internal.v1.registry"]}
 * becomes its Configuration Admin configuration, checked against its metatype (a value of
 * the wrong type is rejected and changes nothing).
 */
@ExtendWith(DaemonExtension.class)
class RegistryConfigIT {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final String TYPE = "io.containerd.internal.v1";
    private static final String PID = TYPE + ".registry";

    private Daemon daemon;

    @BeforeEach
    void daemon(Daemon daemon) {
        this.daemon = daemon;
        daemon.awaitPlugin(TYPE, "registry", "ok", TIMEOUT);
    }

    @Test
    void thePluginTableReachesTheRegistryClientAndIsChecked() {
        String base = daemon.initialConfig();
        String table = "\n[plugins.\"" + PID + "\"]\n  config_path = \"" + daemon.scratch().resolve("certs.d")
                + "\"\n  stall_timeout = \"5s\"\n  range_concurrency = %s\n";
        try {
            long mark = daemon.logMark();
            daemon.writeConfig(base + table.formatted("2"));
            awaitLog(mark, "config applied");
            assertEquals("5s", property("stall_timeout"));
            assertEquals("2", property("range_concurrency"));

            long before = daemon.logMark();
            daemon.writeConfig(base + table.formatted("\"many\""));
            awaitLog(before, "config rejected");
            assertTrue(daemon.logSince(before).contains("range_concurrency"), () -> daemon.logTail(20));
            assertEquals("2", property("range_concurrency"), "the rejected edit changed nothing");
        } finally {
            daemon.writeConfig(base);
        }
        daemon.awaitPlugin(TYPE, "registry", "ok", TIMEOUT);
    }

    /** A property of the plugin's configuration, read in the daemon's shell. */
    private String property(String key) {
        CommandResult r = daemon.shell("(cm:getConfiguration " + PID + ") properties").assertOk();
        for (String line : r.stdout().lines().toList()) {
            String trimmed = line.strip();
            if (trimmed.startsWith(key + " ")) {
                return trimmed.substring(key.length()).strip();
            }
        }
        throw new AssertionError("no " + key + " in\n" + r);
    }

    private void awaitLog(long mark, String text) {
        Wait.until(TIMEOUT, () -> daemon.logSince(mark).contains(text),
                () -> "\"" + text + "\" in the daemon log\n" + daemon.logTail(40));
    }
}
