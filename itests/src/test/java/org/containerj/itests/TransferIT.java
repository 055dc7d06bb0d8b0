package org.containerj.itests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.containerj.itests.support.BusyboxImage;
import org.containerj.itests.support.CommandResult;
import org.containerj.itests.support.Daemon;
import org.containerj.itests.support.DaemonExtension;
import org.containerj.itests.support.Exec;
import org.containerj.itests.support.OciImageTar;
import org.containerj.itests.support.Registry;
import org.containerj.itests.support.RegistryExtension;
import org.containerj.itests.support.TransferClient;
import org.containerj.itests.support.Wait;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The daemon's own image transfer, end to end: pull with unpack into overlayfs and push
 * through containerd's Transfer gRPC service (a Java client on the daemon's socket, as
 * containerd 1.7's client talks to it) and through the shell, against Debian's
 * docker-registry on 127.0.0.1; then ctr (1.6, which knows nothing of the transfer
 * service) sees the result: images, committed chain-id snapshots that mount and hold the
 * image's files, containerd's labels. Archives exported by the Transfer service import
 * with {@code ctr images import} and the other way round, blobs byte for byte; a
 * {@code docker save} archive gets the digests containerd's own conversion gives.
 */
@ExtendWith({DaemonExtension.class, RegistryExtension.class})
class TransferIT {
    private static final Duration WAIT = Duration.ofSeconds(30);
    /** Pushed once with ctr for all the tests of the class. */
    private static BusyboxImage image;
    private static String remote;

    private Daemon daemon;
    private Registry registry;

    @BeforeEach
    void setUp(Daemon daemon, Registry registry) throws IOException {
        this.daemon = daemon;
        this.registry = registry;
        for (String id : List.of("transfer", "streaming", "images", "snapshots", "diff")) {
            daemon.awaitPlugin("io.containerd.grpc.v1", id, "ok", WAIT);
        }
        daemon.awaitPlugin("io.containerd.transfer.v1", "local", "ok", WAIT);
        daemon.awaitPlugin("io.containerd.internal.v1", "registry", "ok", WAIT);
        daemon.awaitPlugin("io.containerd.snapshotter.v1", "overlayfs", "ok", WAIT);
        synchronized (TransferIT.class) {
            if (image == null || !remote.startsWith(registry.host())) {
                image = BusyboxImage.twoLayers();
                remote = registry.host() + "/transfer-it/busybox:2";
                pushWithCtr(image, remote);
            }
        }
    }

    private CommandResult ctr(String ns, String... args) {
        List<String> all = new ArrayList<>(List.of("-n", ns));
        all.addAll(List.of(args));
        return daemon.ctr(all.toArray(String[]::new));
    }

    /** Imports the image into a namespace of its own without unpacking, pushes it with ctr, removes the namespace's content. */
    private void pushWithCtr(BusyboxImage img, String ref) throws IOException {
        String ns = "transfer-it-src";
        Path tar = img.write(Files.createTempFile(daemon.scratch(), "busybox", ".tar"), "src");
        ctr(ns, "images", "import", "--no-unpack", "--base-name", "transfer-it/src", tar.toString()).assertOk();
        ctr(ns, "images", "push", "--plain-http", ref, "transfer-it/src:src").assertOk();
        ctr(ns, "images", "rm", "--sync", "transfer-it/src:src").assertOk();
        Files.delete(tar);
        Wait.until(WAIT, () -> ctr(ns, "content", "ls", "-q").assertOk().stdout().isBlank(), "content of " + ns + " collected");
        daemon.ctr("namespaces", "rm", ns).assertOk();
    }

    private TransferClient client(String ns) {
        return new TransferClient(daemon.socket(), ns);
    }

    /** What ctr sees of an image pulled (and unpacked into overlayfs) in {@code ns}. */
    private void assertPulledAndUnpacked(String ns, String name) throws IOException {
        String listed = ctr(ns, "images", "ls").assertOk().stdout();
        assertTrue(listed.lines().anyMatch(l -> l.startsWith(name + " ") && l.contains(image.manifestDigest)), listed);
        String check = ctr(ns, "images", "check", "--snapshotter", "overlayfs").assertOk().stdout();
        String row = check.lines().filter(l -> l.startsWith(name + " ")).findFirst().orElseThrow(() -> new AssertionError(check));
        assertTrue(row.contains("complete") && row.strip().endsWith("true"), "complete and unpacked: " + check);

        String snapshots = ctr(ns, "snapshots", "--snapshotter", "overlayfs", "ls").assertOk().stdout();
        List<String> chain = image.chainIds();
        for (int i = 0; i < chain.size(); i++) {
            String id = chain.get(i);
            String s = snapshots.lines().filter(l -> l.startsWith(id)).findFirst()
                    .orElseThrow(() -> new AssertionError("no snapshot " + id + " in\n" + snapshots));
            assertTrue(s.contains("Committed"), s);
            if (i > 0) {
                assertTrue(s.contains(chain.get(i - 1)), "parent of " + id + ": " + s);
            }
        }
        assertFalse(snapshots.contains("extract-"), snapshots);

        String content = ctr(ns, "content", "ls").assertOk().stdout();
        assertTrue(row(content, image.configDigest).contains("containerd.io/gc.ref.snapshot.overlayfs=" + image.chainId()),
                content);
        String manifest = row(content, image.manifestDigest);
        assertTrue(manifest.contains("containerd.io/gc.ref.content.config=" + image.configDigest), manifest);
        for (int i = 0; i < image.layers.size(); i++) {
            BusyboxImage.Layer l = image.layers.get(i);
            assertTrue(manifest.contains("containerd.io/gc.ref.content.l." + i + "=" + l.digest()), manifest);
            String layer = row(content, l.digest());
            assertTrue(layer.contains("containerd.io/uncompressed=" + l.diffId()), layer);
            assertTrue(layer.contains("containerd.io/distribution.source." + registry.host() + "=transfer-it/busybox"),
                    layer);
        }
        assertEquals("", ctr(ns, "leases", "ls", "-q").assertOk().stdout().strip(), "the transfer's lease is gone");
        assertEquals(1, ctr(ns, "content", "active").assertOk().stdout().lines().count(), "no ingest left (header only)");

        inView(ns, root -> {
            Path bb = root.resolve("bin/busybox");
            assertArrayEquals(BusyboxImage.busybox(), Files.readAllBytes(bb), "bin/busybox from the image");
            assertEquals("added by the second layer\n", Files.readString(root.resolve("etc/added")));
            assertFalse(Files.exists(root.resolve("etc/doomed"), LinkOption.NOFOLLOW_LINKS), "whited out");
            assertFalse(Files.exists(root.resolve("data/old-1"), LinkOption.NOFOLLOW_LINKS), "opaque directory");
        });
    }

    private static String row(String listing, String digest) {
        return listing.lines().filter(l -> l.startsWith(digest)).findFirst()
                .orElseThrow(() -> new AssertionError("no " + digest + " in\n" + listing));
    }

    interface Body {
        void run(Path root) throws IOException;
    }

    /** A read-only view of the image's top snapshot, mounted as ctr prints it; cleaned up afterwards. */
    private void inView(String ns, Body body) throws IOException {
        String key = Wait.forValue(WAIT, () -> {
            String k = "transfer-it-view-" + System.nanoTime();
            ctr(ns, "snapshots", "--snapshotter", "overlayfs", "view", k, image.chainId()).assertOk();
            // a collection may take an unreferenced view before it is labelled: then make another
            return ctr(ns, "snapshots", "--snapshotter", "overlayfs", "label", k, "containerd.io/gc.root=it").ok() ? k : null;
        }, () -> "a view of " + image.chainId());
        Path mnt = Files.createTempDirectory(daemon.scratch(), "mnt");
        try {
            String cmd = ctr(ns, "snapshots", "--snapshotter", "overlayfs", "mounts", mnt.toString(), key).assertOk()
                    .stdout();
            Exec.run(List.of("sh", "-c", cmd), WAIT, daemon.scratch()).assertOk();
            try {
                body.run(mnt);
            } finally {
                Exec.run(List.of("umount", mnt.toString()), WAIT, daemon.scratch()).assertOk();
            }
        } finally {
            ctr(ns, "snapshots", "--snapshotter", "overlayfs", "rm", key).assertOk();
            Files.deleteIfExists(mnt);
        }
    }

    /** Removes the namespace's images and waits until its content and snapshots are collected. */
    private void cleanUp(String ns) {
        for (String name : ctr(ns, "images", "ls", "-q").assertOk().stdout().lines().filter(s -> !s.isBlank()).toList()) {
            ctr(ns, "images", "rm", "--sync", name).assertOk();
        }
        Wait.until(WAIT, () -> ctr(ns, "content", "ls", "-q").assertOk().stdout().isBlank(),
                () -> "content of " + ns + " collected: " + ctr(ns, "content", "ls"));
        Wait.until(WAIT, () -> ctr(ns, "snapshots", "--snapshotter", "overlayfs", "ls").assertOk().stdout().lines()
                .skip(1).allMatch(String::isBlank), () -> "snapshots of " + ns + " collected");
        daemon.ctr("namespaces", "rm", ns).assertOk();
    }

    @Test
    void pullsWithUnpackAndPushesThroughTheTransferService() throws IOException {
        String ns = "transfer-it-grpc";
        try (TransferClient client = client(ns)) {
            TransferClient.Outcome pulled = client.pull(remote, remote, "overlayfs").assertOk();
            assertTrue(pulled.has("saved", remote), pulled.progress().toString());
            assertTrue(pulled.progress().stream().anyMatch(p -> p.getEvent().equals("complete")
                    && p.getName().equals("layer-" + image.layers.get(0).digest())), pulled.progress().toString());
            assertPulledAndUnpacked(ns, remote);

            // pulling again: nothing fetched or unpacked again, the same snapshots
            String before = ctr(ns, "snapshots", "--snapshotter", "overlayfs", "ls").assertOk().stdout();
            TransferClient.Outcome again = client.pull(remote, remote, "overlayfs").assertOk();
            assertTrue(again.progress().stream().anyMatch(p -> p.getEvent().equals("already exists")), again.progress().toString());
            assertEquals(before.lines().sorted().toList(),
                    ctr(ns, "snapshots", "--snapshotter", "overlayfs", "ls").assertOk().stdout().lines().sorted().toList());

            String target = registry.host() + "/transfer-it/pushed:1";
            client.push(remote, target).assertOk();
            assertEquals(200, registry.status("/v2/transfer-it/pushed/manifests/1"), registry.log());
            for (BusyboxImage.Layer l : image.layers) {
                assertEquals(200, registry.status("/v2/transfer-it/pushed/blobs/" + l.digest()), registry.log());
            }
            assertEquals(200, registry.status("/v2/transfer-it/pushed/blobs/" + image.configDigest), registry.log());

            // and what was pushed pulls back, with ctr this time
            ctr("transfer-it-ctr", "images", "pull", "--plain-http", target).assertOk();
            assertTrue(ctr("transfer-it-ctr", "images", "ls").assertOk().stdout().contains(image.manifestDigest));
        } finally {
            cleanUp(ns);
            cleanUp("transfer-it-ctr");
        }
    }

    @Test
    void theShellPullsTagsListsPushesAndRemoves() {
        String ns = "transfer-it-shell";
        try {
            long mark = daemon.logMark();
            CommandResult pulled = daemon.shell("image-pull -n " + ns + " --plain-http " + remote).assertOk();
            // the transfer's log lines go to the daemon's log, not to the shell client
            assertTrue(daemon.logSince(mark).contains("pulled " + remote + " as " + remote + " in " + ns),
                    daemon.logSince(mark));
            assertFalse(pulled.stdout().contains("LocalTransfer"), pulled.toString());
            assertTrue(pulled.stdout().contains("saved " + remote), pulled.toString());
            assertTrue(pulled.stdout().contains("pulled " + remote + " " + image.manifestDigest), pulled.toString());
            assertTrue(pulled.stdout().contains("complete layer-" + image.layers.get(1).digest()), pulled.toString());
            assertTrue(ctr(ns, "snapshots", "--snapshotter", "overlayfs", "ls").assertOk().stdout().contains(image.chainId()));

            daemon.shell("image-tag -n " + ns + " " + remote + " local/copy:1").assertOk();
            String images = daemon.shell("images -n " + ns).assertOk().stdout();
            assertTrue(images.contains("local/copy:1") && images.contains(image.manifestDigest), images);
            assertTrue(ctr(ns, "images", "ls", "-q").assertOk().stdout().contains("local/copy:1"));

            String target = registry.host() + "/transfer-it/shell:1";
            CommandResult pushed = daemon.shell("image-push -n " + ns + " --plain-http " + target + " local/copy:1")
                    .assertOk();
            assertTrue(pushed.stdout().contains("pushed " + target), pushed.toString());
            assertEquals(200, registry.status("/v2/transfer-it/shell/manifests/1"), registry.log());

            CommandResult bad = daemon.shell("image-pull -n " + ns + " --plain-http " + registry.host() + "/transfer-it/none:1");
            assertFalse(bad.ok(), bad.toString());
            assertTrue(bad.stdout().contains("not found"), bad.toString());

            daemon.shell("image-remove -n " + ns + " --sync local/copy:1 " + remote).assertOk();
            assertEquals("", ctr(ns, "images", "ls", "-q").assertOk().stdout().strip());
        } catch (IOException e) {
            throw new AssertionError(e);
        } finally {
            cleanUp(ns);
        }
    }

    @Test
    void archivesRoundTripAndInteroperateWithCtr() throws Exception {
        String a = "transfer-it-arch-a";
        String b = "transfer-it-arch-b";
        String c = "transfer-it-arch-c";
        String d = "transfer-it-arch-d";
        String e = "transfer-it-arch-e";
        try (TransferClient ca = client(a); TransferClient cc = client(c); TransferClient cd = client(d)) {
            ca.pull(remote, "docker.io/library/transfer-it:2", null).assertOk();

            // exported by the Transfer service: every blob byte for byte, and ctr imports it
            byte[] tar = ca.export("docker.io/library/transfer-it:2");
            Map<String, byte[]> entries = readTar(tar);
            assertArrayEquals(image.manifest, entries.get("blobs/sha256/" + hex(image.manifestDigest)));
            assertArrayEquals(image.config, entries.get("blobs/sha256/" + hex(image.configDigest)));
            for (BusyboxImage.Layer l : image.layers) {
                assertArrayEquals(l.blob(), entries.get("blobs/sha256/" + hex(l.digest())));
            }
            assertTrue(new String(entries.get("manifest.json")).contains("\"RepoTags\":[\"transfer-it:2\"]"));
            Path exported = daemon.scratch().resolve("transfer-export.tar");
            Files.write(exported, tar);
            ctr(b, "images", "import", "--no-unpack", exported.toString()).assertOk();
            String listed = ctr(b, "images", "ls").assertOk().stdout();
            assertTrue(listed.contains("docker.io/library/transfer-it:2") && listed.contains(image.manifestDigest), listed);

            // exported by ctr: the Transfer service imports it, with unpack
            Path byCtr = daemon.scratch().resolve("ctr-export.tar");
            ctr(a, "images", "export", byCtr.toString(), "docker.io/library/transfer-it:2").assertOk();
            TransferClient.Outcome imported = cc.importTar(Files.readAllBytes(byCtr), "docker.io/library/transfer-it",
                    "overlayfs").assertOk();
            assertTrue(imported.has("saved", "docker.io/library/transfer-it:2"), imported.progress().toString());
            assertTrue(ctr(c, "images", "ls").assertOk().stdout().contains(image.manifestDigest));
            assertTrue(ctr(c, "snapshots", "--snapshotter", "overlayfs", "ls").assertOk().stdout().contains(image.chainId()));
            Files.delete(byCtr);
            Files.delete(exported);

            // a docker save archive: the same image record as ctr's own conversion makes
            OciImageTar small = OciImageTar.build("hello.txt", "from a docker archive\n");
            Path docker = daemon.scratch().resolve("docker-save.tar");
            small.writeDockerArchive(docker, "transfer-it-docker:7", "hello.txt", "from a docker archive\n");
            cd.importTar(Files.readAllBytes(docker), "import-it", null).assertOk();
            ctr(e, "images", "import", "--no-unpack", docker.toString()).assertOk();
            String ours = ctr(d, "images", "ls").assertOk().stdout();
            String theirs = ctr(e, "images", "ls").assertOk().stdout();
            String name = "docker.io/library/transfer-it-docker:7";
            assertEquals(imageRow(theirs, name), imageRow(ours, name), "ours:\n" + ours + "\nctr's:\n" + theirs);
            Files.delete(docker);
        } finally {
            for (String ns : List.of(a, b, c, d, e)) {
                cleanUp(ns);
            }
        }
    }

    /** An image's row of {@code ctr images ls}: name, type, digest, size, platforms, labels. */
    private static String imageRow(String listing, String name) {
        return listing.lines().filter(l -> l.startsWith(name + " ")).findFirst().map(l -> l.replaceAll("\\s+", " "))
                .orElseThrow(() -> new AssertionError("no " + name + " in\n" + listing));
    }

    private static String hex(String digest) {
        return digest.substring("sha256:".length());
    }

    private Map<String, byte[]> readTar(byte[] tar) throws IOException {
        Path f = Files.createTempFile(daemon.scratch(), "read", ".tar");
        try {
            Files.write(f, tar);
            return OciImageTar.readTar(f);
        } finally {
            Files.delete(f);
        }
    }
}
