package org.containerj.itests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import org.containerj.itests.support.BusyboxImage;
import org.containerj.itests.support.CommandResult;
import org.containerj.itests.support.Daemon;
import org.containerj.itests.support.DaemonExtension;
import org.containerj.itests.support.Registry;
import org.containerj.itests.support.RegistryExtension;
import org.containerj.itests.support.Wait;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The registry client is the plugin {@code io.containerd.internal.v1.registry}: listed ok by
 * {@code ctr plugins ls}; its config.toml table {@code [plugins."io.containerd.internal.v1.registry"]}
 * becomes its Configuration Admin configuration, checked against its metatype (a value of
 * the wrong type is rejected and changes nothing); and the daemon's own client, called in
 * the daemon's shell, resolves an image that ctr pushed to the real registry on 127.0.0.1.
 */
@ExtendWith({DaemonExtension.class, RegistryExtension.class})
class RegistryClientIT {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final String TYPE = "io.containerd.internal.v1";
    private static final String PID = TYPE + ".registry";
    private static final String RESOLVER = "org.containerj.api.remotes.Resolver";

    private Daemon daemon;
    private Registry registry;

    @BeforeEach
    void daemon(Daemon daemon, Registry registry) {
        this.daemon = daemon;
        this.registry = registry;
        daemon.awaitPlugin(TYPE, "registry", "ok", TIMEOUT);
        daemon.awaitPlugin("io.containerd.grpc.v1", "images", "ok", TIMEOUT);
    }

    @Test
    void theDaemonsClientResolvesAndFetchesWhatCtrPushed() throws IOException {
        BusyboxImage image = BusyboxImage.single();
        String ns = "registry-client-it";
        String local = "registry.local/registry-client-it/src:1";
        Path archive = image.write(Files.createTempFile(daemon.scratch(), "busybox", ".tar"), "1");
        daemon.ctr("-n", ns, "images", "import", "--no-unpack", "--base-name", "registry.local/registry-client-it/src",
                archive.toString()).assertOk();
        String remote = registry.host() + "/registry-client-it/busybox:v1";
        daemon.ctr("-n", ns, "images", "push", "--plain-http", remote, local).assertOk();

        // the Resolver service of the running daemon, with default options (no --plain-http:
        // a local registry is tried with https, then http)
        String resolver = "r = $.context getService ($.context getServiceReference " + RESOLVER + ")";
        CommandResult resolved = daemon.shell(resolver + "; ($r resolve ($r parse " + remote + ") null) descriptor")
                .assertOk();
        assertTrue(resolved.stdout().contains(image.manifestDigest.substring("sha256:".length())), resolved::toString);
        assertTrue(resolved.stdout().contains("size=" + image.manifest.length), resolved::toString);

        // the fetcher's stream of the manifest, counted in the shell
        CommandResult fetched = daemon.shell(resolver + "; ref = $r parse " + remote + "; d = ($r resolve $ref null) "
                + "descriptor; (($r fetcher $ref null) fetch $d) readAllBytes").assertOk();
        assertArrayEquals(image.manifest, bytes(fetched.stdout()), fetched::toString);

        // a tag the registry does not have
        CommandResult missing = daemon.shell(resolver + "; $r resolve ($r parse " + registry.host()
                + "/registry-client-it/busybox:nope) null");
        assertTrue(missing.stdout().contains("not found") || missing.stderr().contains("not found"), missing::toString);
        daemon.ctr("-n", ns, "images", "rm", "--sync", local).assertOk();
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

    /** A byte array as the shell prints it: {@code [123, 34, ...]}. */
    private static byte[] bytes(String printed) {
        String list = printed.strip();
        if (!list.startsWith("[") || !list.endsWith("]")) {
            throw new AssertionError("not a printed array: " + printed);
        }
        String[] items = list.substring(1, list.length() - 1).split(",\\s*");
        byte[] out = new byte[items.length];
        for (int i = 0; i < items.length; i++) {
            out[i] = Byte.parseByte(items[i].strip());
        }
        return out;
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
