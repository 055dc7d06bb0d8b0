package org.containerj.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.time.Duration;
import java.util.Map;

import org.containerj.itests.support.CtrNamespaces;
import org.containerj.itests.support.Daemon;
import org.containerj.itests.support.DaemonExtension;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** What was acknowledged survives the daemon's death; these tests leave it running. */
@ExtendWith(DaemonExtension.class)
class CrashRecoveryIT {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private Daemon daemon;

    @BeforeEach
    void daemon(Daemon daemon) {
        this.daemon = daemon;
        daemon.awaitNamespacesService(TIMEOUT);
    }

    private Map<String, Map<String, String>> namespaces() {
        return CtrNamespaces.parse(daemon.ctr("namespaces", "ls").assertOk().stdout());
    }

    @Test
    void sigkillAndStartAgainLosesNoNamespace() {
        String kept = NamespacesIT.uniqueName("itest-crash");
        String relabelled = NamespacesIT.uniqueName("itest-crash");
        String removed = NamespacesIT.uniqueName("itest-crash");
        daemon.ctr("namespaces", "create", kept, "x=1", "y=2").assertOk();
        daemon.ctr("namespaces", "create", relabelled, "before=yes").assertOk();
        daemon.ctr("namespaces", "label", relabelled, "before=").assertOk();
        daemon.ctr("namespaces", "label", relabelled, "after=yes").assertOk();
        daemon.ctr("namespaces", "create", removed).assertOk();
        daemon.ctr("namespaces", "remove", removed).assertOk();
        long pid = daemon.pid();

        daemon.kill9();
        daemon.start();

        assertNotEquals(pid, daemon.pid());
        daemon.awaitNamespacesService(TIMEOUT);
        Map<String, Map<String, String>> after = namespaces();
        assertEquals(Map.of("x", "1", "y", "2"), after.get(kept), () -> "after SIGKILL: " + after);
        assertEquals(Map.of("after", "yes"), after.get(relabelled), () -> "after SIGKILL: " + after);
        assertFalse(after.containsKey(removed), () -> "after SIGKILL: " + after);

        daemon.ctr("namespaces", "remove", kept, relabelled).assertOk();
    }

    @Test
    void sigtermStopsCleanlyAndStartAgainKeepsNamespaces() {
        String ns = NamespacesIT.uniqueName("itest-term");
        daemon.ctr("namespaces", "create", ns, "z=26").assertOk();

        assertEquals(0, daemon.stop(), () -> "exit code after SIGTERM\n" + daemon.logTail(40));
        assertFalse(daemon.socket().toFile().exists(), "the API socket is removed on a clean stop");
        daemon.start();

        daemon.awaitNamespacesService(TIMEOUT);
        assertEquals(Map.of("z", "26"), namespaces().get(ns));
        daemon.ctr("namespaces", "remove", ns).assertOk();
    }
}
