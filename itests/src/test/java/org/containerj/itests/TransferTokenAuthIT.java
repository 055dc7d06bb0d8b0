package org.containerj.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import org.containerj.itests.support.BusyboxImage;
import org.containerj.itests.support.CommandResult;
import org.containerj.itests.support.Daemon;
import org.containerj.itests.support.DaemonExtension;
import org.containerj.itests.support.Registry;
import org.containerj.itests.support.TokenAuth;
import org.containerj.itests.support.TransferClient;
import org.containerj.itests.support.Wait;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import io.grpc.Status;

/**
 * Token authentication through the Transfer service: docker-registry in token mode with
 * the test's token server; the daemon asks the client for credentials on the request's
 * auth stream (as containerd 1.7's transfer service does) and trades them for bearer
 * tokens. A push and a pull with credentials work; a pull without them is refused with
 * UNAUTHENTICATED and leaves nothing.
 */
@ExtendWith(DaemonExtension.class)
class TransferTokenAuthIT {
    private static final Duration WAIT = Duration.ofSeconds(30);

    private Daemon daemon;

    private CommandResult ctr(String ns, String... args) {
        List<String> all = new ArrayList<>(List.of("-n", ns));
        all.addAll(List.of(args));
        return daemon.ctr(all.toArray(String[]::new));
    }

    @Test
    void pushAndPullWithCredentialsFromTheClient(Daemon daemon) throws Exception {
        this.daemon = daemon;
        daemon.awaitPlugin("io.containerd.grpc.v1", "transfer", "ok", WAIT);
        daemon.awaitPlugin("io.containerd.grpc.v1", "streaming", "ok", WAIT);
        daemon.awaitPlugin("io.containerd.internal.v1", "registry", "ok", WAIT);
        String src = "transfer-auth-src";
        String dst = "transfer-auth-dst";
        String anon = "transfer-auth-anon";
        try (TokenAuth tokens = new TokenAuth("alice", "wonderland");
                Registry registry = Registry.launch(tokens.registryConfig(
                        tokens.writeCertificate(Files.createTempFile(daemon.scratch(), "token", ".pem"))), 401)) {
            BusyboxImage image = BusyboxImage.single();
            Path tar = image.write(Files.createTempFile(daemon.scratch(), "busybox", ".tar"), "1");
            ctr(src, "images", "import", "--no-unpack", "--base-name", "auth/busybox", tar.toString()).assertOk();
            Files.delete(tar);
            String remote = registry.host() + "/auth/busybox:1";

            AtomicInteger asked = new AtomicInteger();
            try (TransferClient client = new TransferClient(daemon.socket(), src)) {
                client.run(org.containerj.proto.types.transfer.ImageStore.newBuilder().setName("auth/busybox:1").build(),
                        client.registryWithAuth(remote, "alice", "wonderland", asked)).assertOk();
            }
            assertTrue(asked.get() > 0, "the daemon asked the client for credentials");
            assertTrue(tokens.issued() > 0, "tokens were issued");

            try (TransferClient client = new TransferClient(daemon.socket(), dst)) {
                client.run(client.registryWithAuth(remote, "alice", "wonderland", asked),
                        TransferClient.store(remote, null)).assertOk();
            }
            assertTrue(ctr(dst, "images", "ls").assertOk().stdout().contains(image.manifestDigest));

            try (TransferClient client = new TransferClient(daemon.socket(), anon)) {
                TransferClient.Outcome o = client.pull(remote, remote, null);
                assertNotNull(o.error(), "an anonymous pull is refused");
                assertEquals(Status.Code.UNAUTHENTICATED, o.error().getStatus().getCode(), o.error().toString());
            }
            assertEquals("", ctr(anon, "images", "ls", "-q").assertOk().stdout().strip());
        } finally {
            for (String ns : List.of(src, dst, anon)) {
                for (String name : ctr(ns, "images", "ls", "-q").stdout().lines().filter(s -> !s.isBlank()).toList()) {
                    ctr(ns, "images", "rm", "--sync", name);
                }
                Wait.until(WAIT, () -> ctr(ns, "content", "ls", "-q").assertOk().stdout().isBlank(),
                        () -> "content of " + ns + " collected");
                daemon.ctr("namespaces", "rm", ns);
            }
        }
    }
}
