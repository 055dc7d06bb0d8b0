package org.containerj.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.containerj.itests.support.ApiClient;
import org.containerj.itests.support.Daemon;
import org.containerj.itests.support.DaemonExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Leases through Debian's ctr: create (with expiry and labels), list with filters, remove.
 * What a lease holds survives garbage collection until the lease goes: ctr 1.6 cannot run
 * a command in a lease, so the content is written (and added to a lease) through the API
 * with containerd's {@code containerd-lease} header, as containerd's own client does
 * inside a pull ({@link ApiClient}); everything else is ctr.
 */
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

    @Test
    void whatALeaseHoldsOutlivesCollectionsUntilTheLeaseIsRemoved(Daemon daemon) throws IOException {
        daemon.awaitPlugin("io.containerd.grpc.v1", "leases", "ok", Duration.ofSeconds(30));
        daemon.awaitPlugin("io.containerd.gc.v1", "scheduler", "ok", Duration.ofSeconds(30));
        String ns = "leases-it-content";
        daemon.ctr("-n", ns, "leases", "create", "--id", "held", "empty=", "purpose=test").assertOk();
        daemon.ctr("-n", ns, "leases", "create", "--id", "added").assertOk();
        // a label set to "" is not stored, as in containerd
        String listed = daemon.ctr("-n", ns, "leases", "ls").assertOk().stdout();
        assertTrue(listed.contains("purpose=test") && !listed.contains("empty="), listed);

        String written;
        String added = ingest(daemon, ns, "added to a lease " + System.nanoTime());
        try (ApiClient api = ApiClient.connect(daemon.socket())) {
            written = api.writeBlob(ns, "held", "leases-it-" + System.nanoTime(),
                    ("written in a lease " + System.nanoTime()).getBytes(StandardCharsets.UTF_8));
            api.addLeaseResource(ns, "added", "content", added);
            // containerd's codes: an unknown lease, a resource type it does not know, a bad digest
            assertEquals(io.grpc.Status.Code.NOT_FOUND, assertThrows(io.grpc.StatusRuntimeException.class,
                    () -> api.addLeaseResource(ns, "missing", "content", added)).getStatus().getCode());
            assertEquals(io.grpc.Status.Code.UNIMPLEMENTED, assertThrows(io.grpc.StatusRuntimeException.class,
                    () -> api.addLeaseResource(ns, "held", "containers", "c1")).getStatus().getCode());
            assertEquals(io.grpc.Status.Code.INVALID_ARGUMENT, assertThrows(io.grpc.StatusRuntimeException.class,
                    () -> api.addLeaseResource(ns, "held", "content", "not-a-digest")).getStatus().getCode());
        }
        // held by nothing, as ctr content ingest leaves what it writes
        String loose = ingest(daemon, ns, "held by nothing " + System.nanoTime());
        assertEquals(List.of(added, loose, written).stream().sorted().toList(), digests(daemon, ns));

        // a collection (leases rm --sync returns after it): what nothing holds goes, file and all
        collect(daemon, ns);
        assertEquals(List.of(added, written).stream().sorted().toList(), digests(daemon, ns));
        assertFalse(Files.exists(daemon.blobFile(loose)), "the loose blob's file is gone");
        assertTrue(Files.isRegularFile(daemon.blobFile(written)) && Files.isRegularFile(daemon.blobFile(added)));

        // removing a lease lets the next collection take what it held
        daemon.ctr("-n", ns, "leases", "rm", "--sync", "held").assertOk();
        assertEquals(List.of(added), digests(daemon, ns));
        assertFalse(Files.exists(daemon.blobFile(written)), "the file of what the lease held is gone");
        daemon.ctr("-n", ns, "leases", "rm", "added").assertOk();
        org.containerj.itests.support.Wait.until(Duration.ofSeconds(20), () -> digests(daemon, ns).isEmpty()
                && !Files.exists(daemon.blobFile(added)), () -> "collection after leases rm: " + digests(daemon, ns));
        daemon.ctr("namespaces", "rm", ns).assertOk();
    }

    private static String ingest(Daemon daemon, String ns, String text) throws IOException {
        Path input = Files.createTempFile(daemon.scratch(), "lease", ".txt");
        Files.writeString(input, text, StandardCharsets.UTF_8);
        daemon.ctrWithInput(input, "-n", ns, "content", "ingest", "ref-" + System.nanoTime()).assertOk();
        Files.delete(input);
        return ContentIT.sha256(text);
    }

    private static List<String> digests(Daemon daemon, String ns) {
        return daemon.ctr("-n", ns, "content", "ls", "-q").assertOk().stdout().lines().map(String::strip)
                .filter(l -> !l.isEmpty()).sorted().toList();
    }

    /** Runs a collection and waits for it: containerd's synchronous lease removal, on a lease made for that. */
    private static void collect(Daemon daemon, String ns) {
        String id = "collect-" + System.nanoTime();
        daemon.ctr("-n", ns, "leases", "create", "--id", id).assertOk();
        daemon.ctr("-n", ns, "leases", "rm", "--sync", id).assertOk();
    }
}
