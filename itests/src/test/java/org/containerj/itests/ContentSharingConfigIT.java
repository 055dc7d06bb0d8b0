package org.containerj.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import org.containerj.itests.support.CommandResult;
import org.containerj.itests.support.Daemon;
import org.containerj.itests.support.DaemonExtension;
import org.containerj.itests.support.Wait;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A plugin table edited in the running daemon's config.toml takes effect live:
 * containerd's {@code content_sharing_policy} in {@code [plugins."io.containerd.metadata.v1.bolt"]}.
 * Shared (the default), a namespace gets a blob another namespace holds by naming its
 * digest without sending the data; isolated, it must send the data. The test offers ctr
 * an input of the right size but wrong bytes: shared, ctr skips past it (the server says
 * all is there) and the claim succeeds; isolated, ctr sends it and the digest check
 * fails. An invalid value is rejected and changes nothing.
 */
@ExtendWith(DaemonExtension.class)
class ContentSharingConfigIT {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final String TABLE = "\n[plugins.\"io.containerd.metadata.v1.bolt\"]\n  content_sharing_policy = \"%s\"\n";

    @Test
    void sharingPolicyFollowsTheConfigFileWithoutRestart(Daemon daemon) throws IOException {
        daemon.awaitPlugin("io.containerd.grpc.v1", "content", "ok", TIMEOUT);
        String data = "shared blob " + System.nanoTime();
        String digest = ContentIT.sha256(data);
        Path blob = Files.createTempFile(daemon.scratch(), "shared", ".txt");
        Files.writeString(blob, data, StandardCharsets.UTF_8);
        Path wrongBytes = Files.createTempFile(daemon.scratch(), "wrong", ".txt");
        Files.writeString(wrongBytes, "x".repeat(data.getBytes(StandardCharsets.UTF_8).length), StandardCharsets.UTF_8);
        String size = String.valueOf(data.getBytes(StandardCharsets.UTF_8).length);
        long pid = daemon.pid();

        daemon.ctrWithInput(blob, "-n", "share-owner", "content", "ingest", "owner-ref").assertOk();
        String base = daemon.config();
        try {
            // shared (default): naming the digest is enough
            claim(daemon, wrongBytes, "share-1", digest, size).assertOk();
            assertEquals(data, daemon.ctr("-n", "share-1", "content", "get", digest).assertOk().stdout());

            // isolated, set live: the data must be sent
            long mark = daemon.logMark();
            daemon.writeConfig(base + TABLE.formatted("isolated"));
            awaitLog(daemon, mark, "content_sharing_policy is isolated");
            claim(daemon, wrongBytes, "share-2", digest, size).assertFailedWith("FailedPrecondition", "failed precondition");
            daemon.ctr("-n", "share-2", "content", "get", digest).assertFailedWith("NotFound", "not found");
            claim(daemon, blob, "share-2", digest, size).assertOk();

            // an invalid value is rejected: still isolated
            mark = daemon.logMark();
            daemon.writeConfig(base + TABLE.formatted("everywhere"));
            awaitLog(daemon, mark, "config rejected");
            claim(daemon, wrongBytes, "share-3", digest, size).assertFailedWith("FailedPrecondition", "failed precondition");

            // back to shared
            mark = daemon.logMark();
            daemon.writeConfig(base + TABLE.formatted("shared"));
            awaitLog(daemon, mark, "content_sharing_policy is shared");
            claim(daemon, wrongBytes, "share-4", digest, size).assertOk();
        } finally {
            daemon.writeConfig(base);
        }
        assertEquals(pid, daemon.pid(), "no restart");
        for (String ns : new String[] {"share-owner", "share-1", "share-2", "share-4"}) {
            daemon.ctr("-n", ns, "content", "rm", digest).assertOk();
        }
    }

    private static CommandResult claim(Daemon daemon, Path input, String namespace, String digest, String size) {
        return daemon.ctrWithInput(input, "-n", namespace, "content", "ingest", "--expected-digest", digest,
                "--expected-size", size, "claim-" + System.nanoTime());
    }

    private static void awaitLog(Daemon daemon, long mark, String text) {
        Wait.until(TIMEOUT, () -> daemon.logSince(mark).contains(text),
                () -> "\"" + text + "\" in the daemon log\n" + daemon.logTail(40));
        assertTrue(daemon.logSince(mark).contains(text));
    }
}
