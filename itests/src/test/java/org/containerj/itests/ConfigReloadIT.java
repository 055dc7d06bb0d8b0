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
 * Edits to the running daemon's config.toml take effect without a restart; an invalid
 * edit is rejected and changes nothing. The plugin used is the Version service: while
 * {@code disabled_plugins} names it, {@code ctr version} fails with UNAVAILABLE and
 * {@code ctr plugins ls} does not list it.
 */
@ExtendWith(DaemonExtension.class)
class ConfigReloadIT {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final String GRPC = "io.containerd.grpc.v1";
    private static final String VERSION_PLUGIN = GRPC + ".version";

    private Daemon daemon;

    @BeforeEach
    void daemon(Daemon daemon) {
        this.daemon = daemon;
        daemon.awaitPlugin(GRPC, "version", "ok", TIMEOUT);
        // the test uses the namespaces service as the plugin an edit must leave alone
        daemon.awaitNamespacesService(TIMEOUT);
    }

    @Test
    void disablingAPluginInTheConfigFileTakesEffectLiveAndAnInvalidEditChangesNothing() {
        String base = daemon.initialConfig();
        assertTrue(base.contains("disabled_plugins = []"), base);
        String disabled = base.replace("disabled_plugins = []", "disabled_plugins = [\"" + VERSION_PLUGIN + "\"]");
        long pid = daemon.pid();
        try {
            long mark = daemon.logMark();
            daemon.writeConfig(disabled);
            awaitLog(mark, "config applied");
            daemon.awaitNoPlugin(GRPC, "version", TIMEOUT);
            Wait.until(TIMEOUT, () -> !daemon.ctr("version").ok(), "ctr version to fail");
            daemon.ctr("version").assertFailedWith("Unavailable", "unavailable");
            // the other plugins are untouched
            daemon.ctr("namespaces", "ls").assertOk();
            // the shell sees it too: the plugin list, and Configuration Admin's daemon configuration
            assertShellPluginsShowVersion(false);
            assertEquals("[" + VERSION_PLUGIN + "]", daemonConfiguration("disabled_plugins"));
            String changeCount = shellValue("(cm:getConfiguration containerj.daemon) changeCount");

            // Invalid edits that would enable the plugin again if they were applied even in
            // part: a TOML syntax error, and a value of the wrong type.
            for (String invalid : new String[] {
                    base.replace("disabled_plugins = []", "disabled_plugins = ["),
                    base.replace("[debug]\n  level = \"info\"", "[debug]\n  level = 42")}) {
                long before = daemon.logMark();
                daemon.writeConfig(invalid);
                awaitLog(before, "config rejected");
                daemon.ctr("version").assertFailedWith("Unavailable", "unavailable");
                assertTrue(daemon.plugins().stream().noneMatch(p -> p.type().equals(GRPC) && p.id().equals("version")),
                        "still disabled after an invalid edit");
                assertEquals(changeCount, shellValue("(cm:getConfiguration containerj.daemon) changeCount"),
                        "Configuration Admin's daemon configuration was not touched");
                assertEquals("[" + VERSION_PLUGIN + "]", daemonConfiguration("disabled_plugins"));
            }
        } finally {
            daemon.writeConfig(base);
        }
        daemon.awaitPlugin(GRPC, "version", "ok", TIMEOUT);
        Wait.until(TIMEOUT, () -> daemon.ctr("version").ok(), "ctr version to answer again");
        assertShellPluginsShowVersion(true);
        assertEquals("[]", daemonConfiguration("disabled_plugins"));
        assertEquals(pid, daemon.pid(), "no restart");
    }

    /** The shell's {@code plugins} command lists the Version plugin as ok, or not at all. */
    private void assertShellPluginsShowVersion(boolean listed) {
        CommandResult r = daemon.shell("plugins").assertOk();
        boolean found = r.stdout().lines().map(l -> l.trim().split("\\s+"))
                .anyMatch(f -> f.length >= 4 && f[0].equals(GRPC) && f[1].equals("version") && f[3].equals("ok"));
        assertEquals(listed, found, () -> "version plugin " + (listed ? "listed" : "absent") + " in\n" + r);
    }

    /**
     * A property of Configuration Admin's {@code containerj.daemon} configuration (the
     * file's top-level keys), read in the daemon's shell.
     */
    private String daemonConfiguration(String key) {
        CommandResult r = daemon.shell("(cm:getConfiguration containerj.daemon) properties").assertOk();
        for (String line : r.stdout().lines().toList()) {
            String trimmed = line.strip();
            if (trimmed.startsWith(key + " ") || trimmed.equals(key)) {
                return trimmed.substring(key.length()).strip();
            }
        }
        throw new AssertionError("no " + key + " in\n" + r);
    }

    /** One value printed by a shell command. */
    private String shellValue(String command) {
        return daemon.shell(command).assertOk().stdout().strip();
    }

    private void awaitLog(long mark, String text) {
        Wait.until(TIMEOUT, () -> daemon.logSince(mark).contains(text),
                () -> "\"" + text + "\" in the daemon log\n" + daemon.logTail(40));
    }
}
