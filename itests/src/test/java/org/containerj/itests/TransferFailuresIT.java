package org.containerj.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.containerj.itests.support.CommandResult;
import org.containerj.itests.support.Daemon;
import org.containerj.itests.support.DaemonExtension;
import org.containerj.itests.support.FakeRegistryServer;
import org.containerj.itests.support.FakeRegistryServer.Fault;
import org.containerj.itests.support.OciImageTar;
import org.containerj.itests.support.TransferClient;
import org.containerj.itests.support.Wait;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import io.grpc.Status;

/**
 * Daemon-side pulls from a registry that misbehaves (the test's own HTTP server on
 * 127.0.0.1): a blob whose bytes do not match its digest, a download cut short, a
 * manifest that is not JSON, a server error, a registry that hangs, and a reference that
 * does not parse. Each fails with containerd's error code and a message naming what went
 * wrong, and leaves nothing: no image, no blob, no ingest, no snapshot once the garbage
 * collector has run; the daemon goes on serving.
 */
@ExtendWith(DaemonExtension.class)
class TransferFailuresIT {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static FakeRegistryServer fake;

    private Daemon daemon;

    @BeforeAll
    static void startFakeRegistry() throws IOException {
        fake = new FakeRegistryServer();
    }

    @AfterAll
    static void stopFakeRegistry() {
        if (fake != null) {
            fake.close();
        }
    }

    @BeforeEach
    void setUp(Daemon daemon) {
        this.daemon = daemon;
        daemon.awaitPlugin("io.containerd.grpc.v1", "transfer", "ok", WAIT);
        daemon.awaitPlugin("io.containerd.grpc.v1", "streaming", "ok", WAIT);
        daemon.awaitPlugin("io.containerd.internal.v1", "registry", "ok", WAIT);
    }

    private CommandResult ctr(String ns, String... args) {
        List<String> all = new ArrayList<>(List.of("-n", ns));
        all.addAll(List.of(args));
        return daemon.ctr(all.toArray(String[]::new));
    }

    /** Pulls {@code repo:1} from the fake registry (image unique to the test) and returns the failure. */
    private Status failedPull(String ns, String repo, Fault fault) {
        fake.serve(repo, OciImageTar.build("file-" + repo, "content for " + repo + " " + System.nanoTime()), fault);
        try (TransferClient client = new TransferClient(daemon.socket(), ns)) {
            TransferClient.Outcome o = client.pull(fake.host() + "/" + repo + ":1", "it/" + repo + ":1", "overlayfs");
            assertNotNull(o.error(), "the pull of " + repo + " failed");
            return o.error().getStatus();
        }
    }

    /** Nothing of the failed pull is left once collected, and the daemon still serves. */
    private void assertNothingLeft(String ns) {
        assertEquals("", ctr(ns, "images", "ls", "-q").assertOk().stdout().strip());
        assertEquals("", ctr(ns, "leases", "ls", "-q").assertOk().stdout().strip(), "no lease left");
        Wait.until(WAIT, () -> ctr(ns, "content", "ls", "-q").assertOk().stdout().isBlank()
                && ctr(ns, "content", "active").assertOk().stdout().lines().skip(1).allMatch(String::isBlank),
                () -> "no blob and no ingest left in " + ns + ": " + ctr(ns, "content", "ls") + ctr(ns, "content", "active"));
        assertTrue(ctr(ns, "snapshots", "--snapshotter", "overlayfs", "ls").assertOk().stdout().lines().skip(1)
                .allMatch(String::isBlank), "no snapshot left");
        daemon.ctr("version").assertOk();
        CommandResult rm = daemon.ctr("namespaces", "rm", ns);
        assertTrue(rm.ok() || rm.stderr().contains("not found"), rm.toString());
    }

    @Test
    void aBlobWhoseDigestDoesNotMatch() {
        Status s = failedPull("transfer-fail-digest", "wrong-digest", Fault.WRONG_DIGEST);
        assertEquals(Status.Code.FAILED_PRECONDITION, s.getCode(), s.toString());
        assertTrue(s.getDescription().contains("unexpected commit digest"), s.toString());
        assertNothingLeft("transfer-fail-digest");
    }

    @Test
    void aTruncatedDownload() {
        Status s = failedPull("transfer-fail-cut", "truncated", Fault.TRUNCATED);
        assertEquals(Status.Code.DATA_LOSS, s.getCode(), s.toString());
        assertNothingLeft("transfer-fail-cut");
    }

    @Test
    void aManifestThatIsNotJson() {
        Status s = failedPull("transfer-fail-json", "not-json", Fault.NOT_JSON);
        assertEquals(Status.Code.INVALID_ARGUMENT, s.getCode(), s.toString());
        assertTrue(s.getDescription().contains("not valid JSON"), s.toString());
        assertNothingLeft("transfer-fail-json");
    }

    @Test
    void aServerError() {
        Status s = failedPull("transfer-fail-500", "server-error", Fault.SERVER_ERROR);
        assertEquals(Status.Code.UNAVAILABLE, s.getCode(), s.toString());
        assertTrue(s.getDescription().contains("500"), s.toString());
        assertNothingLeft("transfer-fail-500");
    }

    @Test
    void aReferenceThatDoesNotParse() {
        try (TransferClient client = new TransferClient(daemon.socket(), "transfer-fail-ref")) {
            TransferClient.Outcome o = client.pull("Not A//Reference!", "x", "overlayfs");
            assertNotNull(o.error());
            assertEquals(Status.Code.INVALID_ARGUMENT, o.error().getStatus().getCode(), o.error().toString());
        }
        assertNothingLeft("transfer-fail-ref");
    }

    @Test
    void aRegistryThatHangsWithAShortStallTimeout() {
        String base = daemon.initialConfig();
        String ns = "transfer-fail-hang";
        long mark = daemon.logMark();
        daemon.writeConfig(base + "\n[plugins.\"io.containerd.transfer.v1.local\"]\n  stall_timeout = \"2s\"\n");
        try {
            Wait.until(WAIT, () -> daemon.logSince(mark).contains("stall timeout 2s"),
                    () -> "the transfer plugin took the new stall timeout:\n" + daemon.logSince(mark));
            long start = System.nanoTime();
            Status s = failedPull(ns, "hangs", Fault.HANG);
            long seconds = (System.nanoTime() - start) / 1_000_000_000L;
            assertEquals(Status.Code.DEADLINE_EXCEEDED, s.getCode(), s.toString());
            assertTrue(seconds < 30, "failed after " + seconds + " s");
        } finally {
            long restored = daemon.logMark();
            daemon.writeConfig(base);
            Wait.until(WAIT, () -> daemon.logSince(restored).contains("stall timeout the registry client's"),
                    () -> "the transfer plugin back to its default:\n" + daemon.logSince(restored));
        }
        assertNothingLeft(ns);
    }
}
