package org.containerj.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import org.containerj.itests.plugin.NeedsMissing;
import org.containerj.itests.plugin.SkippingPlugin;
import org.containerj.itests.support.CommandResult;
import org.containerj.itests.support.CtrNamespaces;
import org.containerj.itests.support.Daemon;
import org.containerj.itests.support.DaemonExtension;
import org.containerj.itests.support.TestPluginJar;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Bundles stopped, started, dropped in and removed while the daemon runs. */
@ExtendWith(DaemonExtension.class)
class PluginLifecycleIT {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final String GRPC = "io.containerd.grpc.v1";
    private static final String NAMESPACES_BSN = "org.containerj.namespaces";

    private Daemon daemon;

    @BeforeEach
    void daemon(Daemon daemon) {
        this.daemon = daemon;
        daemon.awaitNamespacesService(TIMEOUT);
    }

    @Test
    void stoppingTheNamespacesBundleMakesItsServiceUnavailableAndStartingItRestoresTheSameData() {
        String ns = NamespacesIT.uniqueName("itest-bounce");
        daemon.ctr("namespaces", "create", ns, "survives=restart").assertOk();
        long id = bundleId(NAMESPACES_BSN);
        long pid = daemon.pid();
        boolean stopped = false;
        try {
            daemon.shell("stop " + id).assertOk();
            stopped = true;
            daemon.awaitNoPlugin(GRPC, "namespaces", TIMEOUT);
            daemon.ctr("namespaces", "ls").assertFailedWith("Unavailable", "unavailable");
            // the rest of the daemon still answers
            daemon.ctr("version").assertOk();
        } finally {
            if (stopped || bundleState(id).equals("Resolved")) {
                daemon.shell("start " + id).assertOk();
            }
        }
        daemon.awaitNamespacesService(TIMEOUT);
        Map<String, Map<String, String>> after = CtrNamespaces.parse(daemon.ctr("namespaces", "ls").assertOk().stdout());
        assertEquals(Map.of("survives", "restart"), after.get(ns), () -> "namespaces after the restart: " + after);
        assertEquals(pid, daemon.pid(), "the daemon itself was not restarted");
        daemon.ctr("namespaces", "remove", ns).assertOk();
    }

    @Test
    void aBundleDroppedIntoDeployShowsUpInCtrPluginsLsAndLeavesWhenRemoved() throws IOException {
        String type = TestPluginJar.TYPE;
        Path jar = daemon.deployDir().resolve("itest-dropin.jar");
        try {
            TestPluginJar.writeTo(jar);
            daemon.awaitPlugin(type, "itest-dropin", "ok", TIMEOUT);
            daemon.awaitPlugin(type, NeedsMissing.ID, "skip", TIMEOUT);
            daemon.awaitPlugin(type, SkippingPlugin.ID, "skip", TIMEOUT);
            CommandResult lb = daemon.shell("lb -s " + TestPluginJar.BSN).assertOk();
            assertEquals(true, lb.stdout().contains("Active"), lb::toString);
        } finally {
            Files.deleteIfExists(jar);
        }
        daemon.awaitNoPlugin(type, "itest-dropin", TIMEOUT);
        daemon.awaitNoPlugin(type, NeedsMissing.ID, TIMEOUT);
        daemon.awaitNoPlugin(type, SkippingPlugin.ID, TIMEOUT);
    }

    /** The bundle id of {@code bsn}, from the shell's {@code lb -s}. */
    long bundleId(String bsn) {
        return Long.parseLong(bundleLine(bsn)[0]);
    }

    String bundleState(long id) {
        CommandResult r = daemon.shell("lb -s").assertOk();
        for (String line : r.stdout().lines().toList()) {
            String[] f = line.split("\\|");
            if (f.length >= 4 && f[0].trim().equals(Long.toString(id))) {
                return f[1].trim();
            }
        }
        throw new AssertionError("no bundle " + id + " in\n" + r);
    }

    /** {id, state, level, name} of {@code bsn}'s line in {@code lb -s}. */
    private String[] bundleLine(String bsn) {
        CommandResult r = daemon.shell("lb -s").assertOk();
        for (String line : r.stdout().lines().toList()) {
            String[] f = line.split("\\|");
            if (f.length >= 4) {
                String name = f[3].trim();
                int paren = name.indexOf(" (");
                if ((paren < 0 ? name : name.substring(0, paren)).equals(bsn)) {
                    return new String[] {f[0].trim(), f[1].trim(), f[2].trim(), name};
                }
            }
        }
        throw new AssertionError("no bundle " + bsn + " in\n" + r);
    }
}
