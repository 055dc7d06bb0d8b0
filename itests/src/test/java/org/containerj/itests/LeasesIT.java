package org.containerj.itests;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;

import org.containerj.itests.support.Daemon;
import org.containerj.itests.support.DaemonExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Leases through Debian's ctr: create (with expiry and labels), list with filters, remove. */
@ExtendWith(DaemonExtension.class)
class LeasesIT {

    @Test
    void createListRemove(Daemon daemon) {
        daemon.awaitPlugin("io.containerd.grpc.v1", "leases", "ok", Duration.ofSeconds(30));
        daemon.ctr("-n", "leases-it", "leases", "create", "--id", "pull-1", "--expires", "1h", "purpose=test")
                .assertOk();
        String listed = daemon.ctr("-n", "leases-it", "leases", "ls").assertOk().stdout();
        assertTrue(listed.contains("pull-1"), listed);
        assertTrue(listed.contains("containerd.io/gc.expire"), listed);
        assertTrue(daemon.ctr("-n", "leases-it", "leases", "ls", "-q", "labels.purpose==test").assertOk().stdout()
                .contains("pull-1"));
        assertFalse(daemon.ctr("-n", "other-ns", "leases", "ls", "-q").assertOk().stdout().contains("pull-1"));

        daemon.ctr("-n", "leases-it", "leases", "create", "--id", "pull-1").assertFailedWith("AlreadyExists",
                "already exists");
        // ctr's own random ids need not follow the identifier rules (containerd accepts them)
        daemon.ctr("-n", "leases-it", "leases", "create", "--id", "236979297-qeH-").assertOk();
        daemon.ctr("-n", "leases-it", "leases", "rm", "236979297-qeH-").assertOk();

        daemon.ctr("-n", "leases-it", "leases", "rm", "pull-1").assertOk();
        assertFalse(daemon.ctr("-n", "leases-it", "leases", "ls", "-q").assertOk().stdout().contains("pull-1"));
        daemon.ctr("-n", "leases-it", "leases", "rm", "pull-1").assertFailedWith("NotFound", "not found");
        daemon.ctr("namespaces", "rm", "leases-it").assertOk();
    }
}
