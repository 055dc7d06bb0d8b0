package org.containerj.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

import org.containerj.itests.support.Daemon;
import org.containerj.itests.support.DaemonExtension;
import org.containerj.itests.support.Wait;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The content store through Debian's ctr: ingest, list, read, label, remove; blobs are
 * seen per namespace and hold their namespace; a digest mismatch leaves nothing; a
 * removal is followed by a collection of what nothing references.
 */
@ExtendWith(DaemonExtension.class)
class ContentIT {
    private Daemon daemon;

    @BeforeEach
    void daemon(Daemon daemon) {
        this.daemon = daemon;
        daemon.awaitPlugin("io.containerd.grpc.v1", "content", "ok", java.time.Duration.ofSeconds(30));
    }

    @Test
    void ingestListGetLabelRemove() throws IOException {
        String data = "hello from containerj content " + System.nanoTime() + "\n";
        String digest = sha256(data);
        Path input = file("blob", data);

        daemon.ctrWithInput(input, "-n", "content-a", "content", "ingest", "ref-a").assertOk();
        assertTrue(daemon.ctr("-n", "content-a", "content", "ls", "-q").assertOk().stdout().contains(digest));
        assertEquals(data, daemon.ctr("-n", "content-a", "content", "get", digest).assertOk().stdout());

        // labels, and filters on them
        daemon.ctr("-n", "content-a", "content", "label", digest, "team=blue").assertOk();
        assertTrue(daemon.ctr("-n", "content-a", "content", "ls", "-q", "labels.team==blue").assertOk().stdout()
                .contains(digest));
        assertFalse(daemon.ctr("-n", "content-a", "content", "ls", "-q", "labels.team==red").assertOk().stdout()
                .contains(digest));

        // another namespace does not see it
        daemon.ctr("-n", "content-b", "content", "get", digest).assertFailedWith("NotFound", "not found");

        // a namespace holding a blob cannot be removed, and the failed removal changes nothing
        daemon.ctr("namespaces", "rm", "content-a").assertFailedWith("FailedPrecondition", "must be empty");
        assertEquals(data, daemon.ctr("-n", "content-a", "content", "get", digest).assertOk().stdout());

        daemon.ctr("-n", "content-a", "content", "rm", digest).assertOk();
        daemon.ctr("-n", "content-a", "content", "get", digest).assertFailedWith("NotFound", "not found");
        daemon.ctr("namespaces", "rm", "content-a").assertOk();
    }

    @Test
    void aDigestMismatchLeavesNothing() throws IOException {
        String data = "the real data " + System.nanoTime();
        String wrong = sha256("something else " + System.nanoTime());
        Path input = file("mismatch", data);
        daemon.ctrWithInput(input, "-n", "content-c", "content", "ingest", "--expected-digest", wrong, "ref-c")
                .assertFailedWith("FailedPrecondition", "failed precondition");
        daemon.ctr("-n", "content-c", "content", "get", wrong).assertFailedWith("NotFound", "not found");
        daemon.ctr("-n", "content-c", "content", "get", sha256(data)).assertFailedWith("NotFound", "not found");
    }

    @Test
    void aRemovalIsFollowedByACollectionOfWhatNothingReferences() throws IOException {
        // ctr content ingest writes outside any lease: nothing references either blob
        String ns = "content-gc";
        String loose = "unreferenced " + System.nanoTime() + "\n";
        String removed = "removed " + System.nanoTime() + "\n";
        daemon.ctrWithInput(file("loose", loose), "-n", ns, "content", "ingest", "ref-loose").assertOk();
        daemon.ctrWithInput(file("removed", removed), "-n", ns, "content", "ingest", "ref-removed").assertOk();

        // as in containerd, removing one asks for a collection, which takes the other
        assertEquals(sha256(removed), daemon.ctr("-n", ns, "content", "rm", sha256(removed)).assertOk().stdout().strip());
        Wait.until(java.time.Duration.ofSeconds(20),
                () -> daemon.ctr("-n", ns, "content", "ls", "-q").assertOk().stdout().isBlank()
                        && !Files.exists(daemon.blobFile(sha256(loose))),
                () -> "the collection after ctr content rm: " + daemon.ctr("-n", ns, "content", "ls"));
        daemon.ctr("namespaces", "rm", ns).assertOk();
    }

    private Path file(String name, String text) throws IOException {
        Path p = Files.createTempFile(daemon.scratch(), name, ".txt");
        Files.writeString(p, text, StandardCharsets.UTF_8);
        return p;
    }

    static String sha256(String text) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
            return "sha256:" + HexFormat.of().formatHex(d);
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }
}
