package org.containerj.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.containerj.itests.support.CommandResult;
import org.containerj.itests.support.Daemon;
import org.containerj.itests.support.DaemonExtension;
import org.containerj.itests.support.OciImageTar;
import org.containerj.itests.support.Registry;
import org.containerj.itests.support.RegistryExtension;
import org.containerj.itests.support.RegistryUpload;
import org.containerj.itests.support.ThrottlingProxy;
import org.containerj.itests.support.TransferClient;
import org.containerj.itests.support.Wait;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The daemon is killed with SIGKILL in the middle of a daemon-side pull of a large layer
 * (~200 MB of random data, paced by a throttling proxy in front of docker-registry). After
 * a restart the store is consistent (no image, the ingest where it was), and pulling again
 * resumes the ingest at its offset rather than downloading the layer again, and completes
 * with the right digests.
 */
@ExtendWith({DaemonExtension.class, RegistryExtension.class})
class TransferCrashIT {
    private static final long LAYER_BYTES = 200L << 20;
    private static final long RATE = 40L << 20;
    private static final Duration WAIT = Duration.ofSeconds(60);

    private Daemon daemon;
    private Registry registry;

    private CommandResult ctr(String ns, String... args) {
        List<String> all = new ArrayList<>(List.of("-n", ns));
        all.addAll(List.of(args));
        return daemon.ctr(all.toArray(String[]::new));
    }

    /** A tar holding one file of random bytes, written to {@code file}; returns its sha256 digest. */
    private static String randomLayer(Path file, long bytes) throws IOException {
        MessageDigest sha;
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
        try (OutputStream out = new java.security.DigestOutputStream(
                new java.io.BufferedOutputStream(Files.newOutputStream(file), 1 << 20), sha)) {
            byte[] h = new byte[512];
            put(h, 0, "big.bin");
            put(h, 100, "0000644");
            put(h, 108, "0000000");
            put(h, 116, "0000000");
            put(h, 124, String.format("%011o", bytes));
            put(h, 136, "00000000000");
            h[156] = '0';
            put(h, 257, "ustar");
            put(h, 263, "00");
            for (int i = 148; i < 156; i++) {
                h[i] = ' ';
            }
            int sum = 0;
            for (byte b : h) {
                sum += b & 0xff;
            }
            put(h, 148, String.format("%06o", sum) + "\0 ");
            out.write(h);
            SplittableRandom random = new SplittableRandom(42);
            byte[] chunk = new byte[1 << 20];
            for (long left = bytes; left > 0; left -= chunk.length) {
                for (int i = 0; i < chunk.length; i += 8) {
                    long v = random.nextLong();
                    for (int j = 0; j < 8; j++) {
                        chunk[i + j] = (byte) (v >>> (8 * j));
                    }
                }
                out.write(chunk, 0, (int) Math.min(chunk.length, left));
            }
            out.write(new byte[(int) ((512 - bytes % 512) % 512) + 1024]);
        }
        return "sha256:" + HexFormat.of().formatHex(sha.digest());
    }

    private static void put(byte[] h, int at, String s) {
        byte[] b = s.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(b, 0, h, at, b.length);
    }

    private void awaitTransfer() {
        for (String id : List.of("transfer", "streaming", "content")) {
            daemon.awaitPlugin("io.containerd.grpc.v1", id, "ok", WAIT);
        }
        daemon.awaitPlugin("io.containerd.internal.v1", "registry", "ok", WAIT);
    }

    @Test
    void aPullKilledMidwayResumesItsIngestAfterARestart(Daemon daemon, Registry registry) throws Exception {
        this.daemon = daemon;
        this.registry = registry;
        awaitTransfer();
        String ns = "transfer-crash";
        Path layerFile = daemon.scratch().resolve("big-layer.tar");
        String layer = randomLayer(layerFile, LAYER_BYTES);
        long layerSize = Files.size(layerFile);
        byte[] config = ("{\"architecture\":\"" + OciImageTar.goArch() + "\",\"os\":\"linux\",\"rootfs\":{\"type\":"
                + "\"layers\",\"diff_ids\":[\"" + layer + "\"]}}").getBytes(StandardCharsets.UTF_8);
        String configDigest = OciImageTar.sha256(config);
        byte[] manifest = ("{\"schemaVersion\":2,\"mediaType\":\"" + OciImageTar.MANIFEST_TYPE + "\",\"config\":{"
                + "\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"" + configDigest
                + "\",\"size\":" + config.length + "},\"layers\":[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar\","
                + "\"digest\":\"" + layer + "\",\"size\":" + layerSize + "}]}").getBytes(StandardCharsets.UTF_8);
        RegistryUpload.blob(registry.host(), "transfer-crash/big", layer, layerFile);
        Path configFile = daemon.scratch().resolve("big-config.json");
        Files.write(configFile, config);
        RegistryUpload.blob(registry.host(), "transfer-crash/big", configDigest, configFile);
        RegistryUpload.manifest(registry.host(), "transfer-crash/big", "1", OciImageTar.MANIFEST_TYPE, manifest);
        Files.delete(layerFile);
        Files.delete(configFile);

        String ref = "layer-" + layer;
        try (ThrottlingProxy proxy = new ThrottlingProxy(registry.port(), RATE)) {
            String remote = proxy.host() + "/transfer-crash/big:1";
            TransferClient first = new TransferClient(daemon.socket(), ns);
            CompletableFuture<TransferClient.Outcome> pulling = CompletableFuture.supplyAsync(
                    () -> first.pull(remote, "big:1", null));
            try {
                // kill once the ingest of the layer is well under way
                Wait.until(WAIT, () -> proxy.downstreamBytes() > LAYER_BYTES / 3
                        && ctr(ns, "content", "active").assertOk().stdout().contains(ref),
                        () -> "the layer's ingest under way: " + proxy.downstreamBytes() + " bytes, "
                                + ctr(ns, "content", "active"));
                daemon.kill9();
                TransferClient.Outcome o = pulling.get(60, TimeUnit.SECONDS);
                assertNotNull(o.error(), "the pull did not finish before the kill");
            } finally {
                first.close();
            }
            daemon.start();
            awaitTransfer(); // the daemon counts as started before every plugin is

            // consistent: no image, no snapshot, the ingest kept for a retry
            assertEquals("", ctr(ns, "images", "ls", "-q").assertOk().stdout().strip());
            String active = ctr(ns, "content", "active").assertOk().stdout();
            assertTrue(active.contains(ref), "the interrupted ingest is still there:\n" + active);
            assertTrue(!ctr(ns, "content", "ls", "-q").assertOk().stdout().contains(layer), "no partial blob committed");

            long mark = daemon.logMark();
            long before = proxy.downstreamBytes();
            proxy.setRate(0);
            try (TransferClient second = new TransferClient(daemon.socket(), ns)) {
                second.pull(remote, "big:1", null).assertOk();
            }
            long fetched = proxy.downstreamBytes() - before;
            Matcher m = Pattern.compile("resuming ingest " + Pattern.quote(ref) + " at (\\d+) of").matcher(daemon.logSince(mark));
            assertTrue(m.find(), "the daemon resumed the ingest:\n" + daemon.logSince(mark));
            long offset = Long.parseLong(m.group(1));
            assertTrue(offset > 0, "resumed at " + offset);
            assertTrue(fetched < layerSize - offset + (8L << 20),
                    "only the rest was fetched: " + fetched + " bytes after an offset of " + offset + " of " + layerSize);

            String content = ctr(ns, "content", "ls").assertOk().stdout();
            assertTrue(content.contains(layer) && content.contains(configDigest), content);
            assertTrue(ctr(ns, "images", "ls").assertOk().stdout().contains(OciImageTar.sha256(manifest)));
            assertEquals(1, ctr(ns, "content", "active").assertOk().stdout().lines().count(), "no ingest left");
            String check = ctr(ns, "images", "check").assertOk().stdout();
            assertTrue(check.lines().anyMatch(l -> l.startsWith("big:1 ") && l.contains("complete")), check);
        } finally {
            ctr(ns, "images", "rm", "--sync", "big:1");
            // the lease of the killed pull would hold what it wrote for a day
            for (String lease : ctr(ns, "leases", "ls", "-q").stdout().lines().filter(s -> !s.isBlank()).toList()) {
                ctr(ns, "leases", "rm", "--sync", lease);
            }
            Wait.until(WAIT, () -> ctr(ns, "content", "ls", "-q").assertOk().stdout().isBlank()
                    && ctr(ns, "content", "active").assertOk().stdout().lines().skip(1).allMatch(String::isBlank),
                    () -> "the crash test's content collected: " + ctr(ns, "content", "ls") + ctr(ns, "content", "active"));
            daemon.ctr("namespaces", "rm", ns);
        }
    }
}
