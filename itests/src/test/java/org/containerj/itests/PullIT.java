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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;

import org.containerj.itests.support.BusyboxImage;
import org.containerj.itests.support.CommandResult;
import org.containerj.itests.support.Daemon;
import org.containerj.itests.support.DaemonExtension;
import org.containerj.itests.support.Exec;
import org.containerj.itests.support.ImageIndex;
import org.containerj.itests.support.LargeImage;
import org.containerj.itests.support.OciImageTar;
import org.containerj.itests.support.Registry;
import org.containerj.itests.support.RegistryClient;
import org.containerj.itests.support.RegistryExtension;
import org.containerj.itests.support.TestImages;
import org.containerj.itests.support.Wait;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Push and pull through Debian's ctr against a real registry (Debian's docker-registry on
 * 127.0.0.1): busybox images the test builds from busybox-static are imported without
 * unpacking, pushed, removed, pulled back (fetched into content and unpacked through the
 * Diff service into the overlayfs and native snapshotters), and the unpacked layers are
 * mounted for real and compared with the host's files; whiteouts and a multi-layer chain;
 * a tag that does not exist; clean-up by garbage collection. Then the shared test images
 * ({@link TestImages}, pushed straight to the registry): {@code ctr content fetch} of each,
 * with byte-identical blobs; an index of two platforms fetched and pulled for the host's,
 * for linux/arm64 and for all; a large image pulled, read back and collected.
 */
@ExtendWith({DaemonExtension.class, RegistryExtension.class})
class PullIT {
    private static final Duration GC_WAIT = Duration.ofSeconds(30);
    private Daemon daemon;
    private Registry registry;

    @BeforeEach
    void setUp(Daemon daemon, Registry registry) {
        this.daemon = daemon;
        this.registry = registry;
        daemon.awaitPlugin("io.containerd.grpc.v1", "images", "ok", Duration.ofSeconds(30));
        daemon.awaitPlugin("io.containerd.grpc.v1", "snapshots", "ok", Duration.ofSeconds(30));
        daemon.awaitPlugin("io.containerd.grpc.v1", "diff", "ok", Duration.ofSeconds(30));
        daemon.awaitPlugin("io.containerd.differ.v1", "walking", "ok", Duration.ofSeconds(30));
        daemon.awaitPlugin("io.containerd.gc.v1", "scheduler", "ok", Duration.ofSeconds(30));
        daemon.awaitPlugin("io.containerd.snapshotter.v1", "overlayfs", "ok", Duration.ofSeconds(30));
        daemon.awaitPlugin("io.containerd.snapshotter.v1", "native", "ok", Duration.ofSeconds(30));
    }

    private CommandResult ctr(String ns, String... args) {
        List<String> all = new ArrayList<>(List.of("-n", ns));
        all.addAll(List.of(args));
        return daemon.ctr(all.toArray(String[]::new));
    }

    /** Imports {@code image} into {@code ns} without unpacking, pushes it as {@code remote}, removes it. */
    private void importAndPush(BusyboxImage image, String ns, String remote) throws IOException {
        String base = "registry.local/pull-it/src";
        String tag = Long.toString(System.nanoTime());
        Path archive = image.write(Files.createTempFile(daemon.scratch(), "busybox", ".tar"), tag);
        ctr(ns, "images", "import", "--no-unpack", "--base-name", base, archive.toString()).assertOk();
        String local = base + ":" + tag;
        assertTrue(ctr(ns, "images", "ls", "-q").assertOk().stdout().contains(local));
        ctr(ns, "images", "push", "--plain-http", remote, local).assertOk();
        // the registry now has the manifest under the tag, and every blob
        String repoTag = remote.substring(registry.host().length());
        String repo = repoTag.substring(0, repoTag.lastIndexOf(':'));
        assertEquals(200, registry.status("/v2" + repo + "/manifests/" + repoTag.substring(repoTag.lastIndexOf(':') + 1)),
                registry.log());
        assertEquals(200, registry.status("/v2" + repo + "/blobs/" + image.configDigest), registry.log());
        for (BusyboxImage.Layer l : image.layers) {
            assertEquals(200, registry.status("/v2" + repo + "/blobs/" + l.digest()), registry.log());
        }
        ctr(ns, "images", "rm", "--sync", local).assertOk();
        assertEquals("", ctr(ns, "images", "ls", "-q").assertOk().stdout().strip());
        Wait.until(GC_WAIT, () -> ctr(ns, "content", "ls", "-q").assertOk().stdout().isBlank(),
                () -> "garbage collection of the pushed image's blobs in " + ns + ": " + ctr(ns, "content", "ls"));
        daemon.ctr("namespaces", "rm", ns).assertOk();
    }

    /** Pulls {@code remote} into {@code ns} with {@code snapshotter}, and checks the image is complete and unpacked. */
    private void pull(String ns, String snapshotter, String remote, BusyboxImage image) {
        CommandResult pulled = ctr(ns, "images", "pull", "--plain-http", "--snapshotter", snapshotter, remote);
        if (!pulled.ok()) {
            throw new AssertionError("pull failed: " + pulled + "\n" + daemon.logTail(60) + "\n" + registry.log());
        }
        String listed = ctr(ns, "images", "ls").assertOk().stdout();
        assertTrue(listed.contains(remote) && listed.contains(image.manifestDigest), listed);
        String content = ctr(ns, "content", "ls", "-q").assertOk().stdout();
        assertTrue(content.contains(image.manifestDigest) && content.contains(image.configDigest), content);
        for (BusyboxImage.Layer l : image.layers) {
            assertTrue(content.contains(l.digest()), content);
        }
        String check = ctr(ns, "images", "check", "--snapshotter", snapshotter).assertOk().stdout();
        String line = check.lines().filter(s -> s.contains(remote)).findFirst().orElseThrow(() -> new AssertionError(check));
        assertTrue(line.contains("complete"), check);
        // REF TYPE DIGEST STATUS SIZE UNPACKED: the last column says whether the chain exists
        assertTrue(line.strip().endsWith("true"), "ctr images check says unpacked: " + check);

        String snapshots = ctr(ns, "snapshots", "--snapshotter", snapshotter, "ls").assertOk().stdout();
        List<String> chain = image.chainIds();
        for (int i = 0; i < chain.size(); i++) {
            String id = chain.get(i);
            String row = snapshots.lines().filter(s -> s.startsWith(id)).findFirst()
                    .orElseThrow(() -> new AssertionError("no snapshot " + id + " in\n" + snapshots));
            assertTrue(row.contains("Committed"), row);
            if (i > 0) {
                assertTrue(row.contains(chain.get(i - 1)), "parent of " + id + ": " + row);
            }
        }
        assertFalse(snapshots.contains("extract-"), "no unpack left an active snapshot: " + snapshots);

        // the unpack labelled the config with the chain it made (a GC reference to the top
        // snapshot), and each layer blob with its uncompressed digest
        String labelled = ctr(ns, "content", "ls").assertOk().stdout();
        String configRow = labelled.lines().filter(s -> s.startsWith(image.configDigest)).findFirst()
                .orElseThrow(() -> new AssertionError(labelled));
        assertTrue(configRow.contains("containerd.io/gc.ref.snapshot." + snapshotter + "=" + image.chainId()), configRow);
        for (BusyboxImage.Layer l : image.layers) {
            String row = labelled.lines().filter(s -> s.startsWith(l.digest())).findFirst()
                    .orElseThrow(() -> new AssertionError(labelled));
            assertTrue(row.contains("containerd.io/uncompressed=" + l.diffId()), row);
        }

        // pulling again finds everything there: same image, no new snapshot
        ctr(ns, "images", "pull", "--plain-http", "--snapshotter", snapshotter, remote).assertOk();
        assertEquals(snapshots.lines().sorted().toList(),
                ctr(ns, "snapshots", "--snapshotter", snapshotter, "ls").assertOk().stdout().lines().sorted().toList());
    }

    interface Body {
        void run(Path root) throws IOException;
    }

    /**
     * Makes a read-only view of the image's top snapshot, mounts it as ctr prints, runs the body, cleans up.
     *
     * <p>A snapshot nothing refers to is garbage, as in containerd: a collection that a pull's
     * lease removal scheduled may take a fresh view before the test labels it. So the view is
     * made, labelled {@code containerd.io/gc.root} (which keeps it from then on), and made
     * again under a new key should a collection have taken it in between.
     */
    private void inView(String ns, String snapshotter, BusyboxImage image, Body body) throws IOException {
        String[] made = new String[2];
        Wait.forValue(Duration.ofSeconds(20), () -> {
            String key = "pull-it-view-" + System.nanoTime();
            CommandResult view = ctr(ns, "snapshots", "--snapshotter", snapshotter, "view", "--mounts", key,
                    image.chainId()).assertOk();
            if (!ctr(ns, "snapshots", "--snapshotter", snapshotter, "label", key, "containerd.io/gc.root=pull-it").ok()) {
                return null; // collected before it was labelled: make another
            }
            made[0] = key;
            made[1] = view.stdout();
            return key;
        }, () -> "a view of " + image.chainId() + " labelled as a GC root");
        String key = made[0];
        String mounts = made[1];
        // ctr 1.6 prints the view's mounts as JSON: a read-only bind of the one layer, or an
        // overlay of lower directories only (read-only by itself, as containerd makes it)
        assertTrue(mounts.contains("\"Type\"") && (mounts.contains("\"ro\"")
                || mounts.contains("\"overlay\"") && mounts.contains("lowerdir=") && !mounts.contains("upperdir=")),
                mounts);
        Path mnt = Files.createTempDirectory(daemon.scratch(), "mnt");
        try {
            String cmd = ctr(ns, "snapshots", "--snapshotter", snapshotter, "mounts", mnt.toString(), key).assertOk()
                    .stdout();
            Exec.run(List.of("sh", "-c", cmd), Duration.ofSeconds(30), daemon.scratch()).assertOk();
            try {
                body.run(mnt);
            } finally {
                Exec.run(List.of("umount", mnt.toString()), Duration.ofSeconds(30), daemon.scratch()).assertOk();
            }
        } finally {
            ctr(ns, "snapshots", "--snapshotter", snapshotter, "rm", key).assertOk();
            Files.deleteIfExists(mnt);
        }
    }

    private static void assertBusybox(Path root) throws IOException {
        Path bb = root.resolve("bin/busybox");
        assertTrue(Files.isRegularFile(bb, LinkOption.NOFOLLOW_LINKS), "bin/busybox in the unpacked image");
        assertArrayEquals(BusyboxImage.busybox(), Files.readAllBytes(bb), "bin/busybox identical to /bin/busybox");
        assertTrue(Files.isExecutable(bb), "bin/busybox executable");
        for (String applet : BusyboxImage.APPLETS) {
            Path link = root.resolve("bin/" + applet);
            assertTrue(Files.isSymbolicLink(link), link + " is a symlink");
            assertEquals("busybox", Files.readSymbolicLink(link).toString());
        }
        assertTrue(Files.readString(root.resolve("etc/passwd")).startsWith("root:x:0:0:"));
        assertTrue(Files.readString(root.resolve("etc/group")).startsWith("root:x:0:"));
    }

    /** Removes the image with --sync and waits for garbage collection to take its content and snapshots. */
    private void removeAndCollect(String ns, String snapshotter, String remote) {
        ctr(ns, "images", "rm", "--sync", remote).assertOk();
        assertEquals("", ctr(ns, "images", "ls", "-q").assertOk().stdout().strip());
        Wait.until(GC_WAIT, () -> ctr(ns, "content", "ls", "-q").assertOk().stdout().isBlank(),
                () -> "garbage collection of the pulled blobs in " + ns + ": " + ctr(ns, "content", "ls"));
        Wait.until(GC_WAIT, () -> ctr(ns, "snapshots", "--snapshotter", snapshotter, "ls").assertOk().stdout().lines()
                .skip(1).allMatch(String::isBlank),
                () -> "garbage collection of the unpacked snapshots in " + ns + ": "
                        + ctr(ns, "snapshots", "--snapshotter", snapshotter, "ls"));
        daemon.ctr("namespaces", "rm", ns).assertOk();
    }

    @Test
    void pushPullUnpackBusyboxOnOverlayAndNative() throws IOException {
        BusyboxImage image = BusyboxImage.single();
        String remote = registry.host() + "/itest/busybox:1";
        importAndPush(image, "pull-it-src", remote);
        assertEquals(List.of(image.layers.get(0).diffId()), image.chainIds(), "a single layer's chain id is its diff id");

        pull("pull-it", "overlayfs", remote, image);
        inView("pull-it", "overlayfs", image, root -> {
            assertBusybox(root);
            // the unpacked root runs: busybox's sh from the image, chrooted into it
            CommandResult ran = Exec.run(List.of("chroot", root.toString(), "/bin/sh", "-c", "echo hello from $0; ls /bin"),
                    Duration.ofSeconds(30), daemon.scratch()).assertOk();
            assertTrue(ran.stdout().startsWith("hello from /bin/sh") && ran.stdout().contains("busybox"), ran.toString());
            // modes as in the tar, sticky bit included (which PosixFilePermission cannot show)
            assertEquals(01777, (int) Files.getAttribute(root.resolve("tmp"), "unix:mode", LinkOption.NOFOLLOW_LINKS) & 07777);
            assertEquals(0755, (int) Files.getAttribute(root.resolve("bin/busybox"), "unix:mode") & 07777);
            assertEquals(0, (int) Files.getAttribute(root.resolve("bin/busybox"), "unix:uid"));
        });

        pull("pull-it-native", "native", remote, image);
        inView("pull-it-native", "native", image, PullIT::assertBusybox);
        assertFalse(ctr("pull-it-native", "snapshots", "--snapshotter", "overlayfs", "ls").assertOk().stdout()
                .contains(image.chainId()), "the native pull did not unpack into overlayfs");

        removeAndCollect("pull-it", "overlayfs", remote);
        removeAndCollect("pull-it-native", "native", remote);
    }

    @Test
    void twoLayersWithWhiteouts() throws IOException {
        BusyboxImage image = BusyboxImage.twoLayers();
        String remote = registry.host() + "/itest/busybox-layers:2";
        importAndPush(image, "pull-it-src2", remote);

        pull("pull-it-layers", "overlayfs", remote, image);
        inView("pull-it-layers", "overlayfs", image, root -> {
            assertBusybox(root);
            assertEquals("added by the second layer\n", Files.readString(root.resolve("etc/added")));
            assertFalse(Files.exists(root.resolve("etc/doomed"), LinkOption.NOFOLLOW_LINKS), "etc/doomed whited out");
            assertFalse(Files.exists(root.resolve("etc/.wh.doomed"), LinkOption.NOFOLLOW_LINKS), "no whiteout file shows");
            assertEquals("from the second layer\n", Files.readString(root.resolve("data/new")));
            assertFalse(Files.exists(root.resolve("data/old-1"), LinkOption.NOFOLLOW_LINKS), "opaque data/");
            assertFalse(Files.exists(root.resolve("data/old-2"), LinkOption.NOFOLLOW_LINKS), "opaque data/");
            assertFalse(Files.exists(root.resolve("data/.wh..wh..opq"), LinkOption.NOFOLLOW_LINKS));
        });
        removeAndCollect("pull-it-layers", "overlayfs", remote);
    }

    @Test
    void pullingAMissingTagFailsAndLeavesNothing() {
        String ns = "pull-it-missing";
        String remote = registry.host() + "/itest/no-such-image:" + System.nanoTime();
        CommandResult r = ctr(ns, "images", "pull", "--plain-http", remote);
        r.assertFailedWith("NotFound", "not found");
        assertTrue((r.stdout() + r.stderr()).contains(remote), "the error names the reference: " + r);
        assertEquals("", ctr(ns, "images", "ls", "-q").assertOk().stdout().strip());
        assertEquals(List.of(), ctr(ns, "snapshots", "ls").assertOk().stdout().lines().skip(1)
                .filter(s -> !s.isBlank()).toList());
        Wait.until(GC_WAIT, () -> ctr(ns, "content", "ls", "-q").assertOk().stdout().isBlank(),
                () -> "no content left: " + ctr(ns, "content", "ls"));
        CommandResult rm = daemon.ctr("namespaces", "rm", ns);
        assertTrue(rm.ok() || (rm.stdout() + rm.stderr()).contains("not found"), rm.toString());
        assertFalse(daemon.ctr("namespaces", "ls", "-q").assertOk().stdout().lines().anyMatch(ns::equals));
    }

    // ------------------------------------------------------------------ the shared test images

    /** ctr -n NS content get DIGEST, read back from a file (binary safe). */
    private byte[] contentGet(String ns, String digest) throws IOException {
        Path out = Files.createTempFile(daemon.scratch(), "blob", ".bin");
        try {
            daemon.ctrToFile(out, "-n", ns, "content", "get", digest).assertOk();
            return Files.readAllBytes(out);
        } finally {
            Files.deleteIfExists(out);
        }
    }

    private CommandResult fetchOrFail(String ns, String... args) {
        List<String> all = new ArrayList<>(List.of("content", "fetch", "--plain-http"));
        all.addAll(List.of(args));
        CommandResult r = ctr(ns, all.toArray(String[]::new));
        if (!r.ok()) {
            throw new AssertionError("fetch failed: " + r + "\n" + daemon.logTail(60) + "\n" + registry.log());
        }
        return r;
    }

    private CommandResult pullOrFail(String ns, String... args) {
        List<String> all = new ArrayList<>(List.of("images", "pull", "--plain-http"));
        all.addAll(List.of(args));
        CommandResult r = ctr(ns, all.toArray(String[]::new));
        if (!r.ok()) {
            throw new AssertionError("pull failed: " + r + "\n" + daemon.logTail(60) + "\n" + registry.log());
        }
        return r;
    }

    private TreeSet<String> contentDigests(String ns) {
        return new TreeSet<>(ctr(ns, "content", "ls", "-q").assertOk().stdout().lines().map(String::strip)
                .filter(l -> !l.isEmpty()).toList());
    }

    private List<String> snapshotKeys(String ns) {
        return ctr(ns, "snapshots", "ls").assertOk().stdout().lines().skip(1).map(String::strip)
                .filter(l -> !l.isEmpty()).map(l -> l.split("\\s+")[0]).toList();
    }

    /** The row of {@code ctr images check} for {@code ref}. */
    private static String checkRow(CommandResult check, String ref) {
        return check.stdout().lines().filter(l -> l.startsWith(ref + " ")).findFirst()
                .orElseThrow(() -> new AssertionError("no " + ref + " in " + check));
    }

    /** Removes every image of {@code ns}, waits for garbage collection to take its content and snapshots, removes it. */
    private void emptyNamespace(String ns) {
        for (String image : ctr(ns, "images", "ls", "-q").assertOk().stdout().lines().filter(l -> !l.isBlank())
                .toList()) {
            ctr(ns, "images", "rm", image).assertOk();
        }
        Wait.until(GC_WAIT, () -> contentDigests(ns).isEmpty() && snapshotKeys(ns).isEmpty(),
                () -> "garbage collection in " + ns + ": " + ctr(ns, "content", "ls") + ctr(ns, "snapshots", "ls"));
        daemon.ctr("namespaces", "rm", ns).assertOk();
    }

    @Test
    void contentFetchKeepsEveryBlobByteForByte() throws IOException {
        TestImages images = TestImages.in(registry);
        String ns = "pull-it-fetch";
        Map<String, BusyboxImage> fetched = new LinkedHashMap<>();
        fetched.put(images.single, images.singleImage);
        fetched.put(images.multi, images.multiImage);
        Map<String, byte[]> blobs = new LinkedHashMap<>();
        for (var e : fetched.entrySet()) {
            fetchOrFail(ns, e.getKey());
            blobs.putAll(e.getValue().blobs());
        }

        // an image record per reference, naming the manifest the registry has
        String listed = ctr(ns, "images", "ls").assertOk().stdout();
        for (var e : fetched.entrySet()) {
            String row = listed.lines().filter(l -> l.startsWith(e.getKey() + " ")).findFirst()
                    .orElseThrow(() -> new AssertionError(listed));
            assertTrue(row.contains(OciImageTar.MANIFEST_TYPE) && row.contains(e.getValue().manifestDigest)
                    && row.contains("linux/" + OciImageTar.goArch()), row);
        }
        // every blob, and nothing else, each one byte for byte what was pushed
        assertEquals(new TreeSet<>(blobs.keySet()), contentDigests(ns));
        for (var b : blobs.entrySet()) {
            assertArrayEquals(b.getValue(), contentGet(ns, b.getKey()), "ctr content get " + b.getKey());
            assertTrue(Files.isRegularFile(daemon.blobFile(b.getKey())), "blob file of " + b.getKey());
        }
        // the manifests carry the references garbage collection follows
        String labelled = ctr(ns, "content", "ls").assertOk().stdout();
        for (BusyboxImage image : fetched.values()) {
            String row = labelled.lines().filter(l -> l.startsWith(image.manifestDigest)).findFirst()
                    .orElseThrow(() -> new AssertionError(labelled));
            assertTrue(row.contains("containerd.io/gc.ref.content.config=" + image.configDigest), row);
            for (int i = 0; i < image.layers.size(); i++) {
                assertTrue(row.contains("containerd.io/gc.ref.content.l." + i + "=" + image.layers.get(i).digest()), row);
            }
        }
        // complete, and fetched only: nothing unpacked
        CommandResult check = ctr(ns, "images", "check").assertOk();
        for (var e : fetched.entrySet()) {
            int n = e.getValue().layers.size() + 1;
            String row = checkRow(check, e.getKey());
            assertTrue(row.contains("complete (" + n + "/" + n + ")") && row.strip().endsWith("false"), row);
        }
        assertEquals(List.of(), snapshotKeys(ns));

        // fetching again changes nothing
        fetchOrFail(ns, images.single);
        assertEquals(new TreeSet<>(blobs.keySet()), contentDigests(ns));
        emptyNamespace(ns);
    }

    @Test
    void anIndexOfTwoPlatforms() {
        TestImages images = TestImages.in(registry);
        ImageIndex index = images.indexImage;
        String ref = images.index;
        BusyboxImage host = index.image(OciImageTar.goArch());
        BusyboxImage arm64 = index.image("arm64");
        assertTrue(host != arm64, "the host is not arm64 (these tests expect an amd64 host)");

        // the host's platform by default; one named with --platform; every one with --all-platforms
        fetchOrFail("pull-it-index-host", ref);
        assertEquals(blobsOf(index, host), contentDigests("pull-it-index-host"));
        fetchOrFail("pull-it-index-arm64", "--platform", "linux/arm64", ref);
        assertEquals(blobsOf(index, arm64), contentDigests("pull-it-index-arm64"));
        fetchOrFail("pull-it-index-all", "--all-platforms", ref);
        assertEquals(new TreeSet<>(index.blobs().keySet()), contentDigests("pull-it-index-all"));

        for (String ns : List.of("pull-it-index-host", "pull-it-index-arm64", "pull-it-index-all")) {
            String row = ctr(ns, "images", "ls").assertOk().stdout().lines().filter(l -> l.startsWith(ref + " "))
                    .findFirst().orElseThrow();
            assertTrue(row.contains(ImageIndex.INDEX_TYPE) && row.contains(index.digest)
                    && row.contains("linux/amd64,linux/arm64"), row);
        }
        String hostRow = checkRow(ctr("pull-it-index-host", "images", "check").assertOk(), ref);
        assertTrue(hostRow.contains("complete (2/2)") && hostRow.strip().endsWith("false"), hostRow);
        // as with containerd: ctr checks the host's platform, whose manifest an arm64 fetch did not bring
        CommandResult armCheck = ctr("pull-it-index-arm64", "images", "check").assertFailedWith("NotFound", "not found");
        assertTrue(checkRow(armCheck, ref).contains("unavailable"), armCheck.toString());

        // pulls unpack each platform they bring (arm64 is only unpacked, never run)
        pullOrFail("pull-it-index-pull-all", "--all-platforms", ref);
        assertEquals(new TreeSet<>(index.blobs().keySet()), contentDigests("pull-it-index-pull-all"));
        assertEquals(new TreeSet<>(List.of(host.chainId(), arm64.chainId())),
                new TreeSet<>(snapshotKeys("pull-it-index-pull-all")));
        String pulledRow = checkRow(ctr("pull-it-index-pull-all", "images", "check").assertOk(), ref);
        assertTrue(pulledRow.contains("complete (2/2)") && pulledRow.strip().endsWith("true"), pulledRow);

        pullOrFail("pull-it-index-pull-arm64", "--platform", "linux/arm64", ref);
        assertEquals(blobsOf(index, arm64), contentDigests("pull-it-index-pull-arm64"));
        assertEquals(List.of(arm64.chainId()), snapshotKeys("pull-it-index-pull-arm64"));

        // a platform the index does not have
        ctr("pull-it-index-none", "images", "pull", "--plain-http", "--platform", "linux/s390x", ref)
                .assertFailedWith("NotFound", "no match for platform");

        for (String ns : List.of("pull-it-index-host", "pull-it-index-arm64", "pull-it-index-all",
                "pull-it-index-pull-all", "pull-it-index-pull-arm64", "pull-it-index-none")) {
            emptyNamespace(ns);
        }
    }

    private static TreeSet<String> blobsOf(ImageIndex index, BusyboxImage image) {
        TreeSet<String> digests = new TreeSet<>(image.blobs().keySet());
        digests.add(index.digest);
        return digests;
    }

    @Test
    void aLargeImageIsPulledReadBackAndCollected() throws IOException {
        TestImages images = TestImages.in(registry);
        LargeImage large = images.largeImage();
        String ns = "pull-it-large";
        long t0 = System.nanoTime();
        pullOrFail(ns, images.large);
        long pulled = System.nanoTime();

        String row = checkRow(ctr(ns, "images", "check").assertOk(), images.large);
        assertTrue(row.contains("complete (3/3)") && row.strip().endsWith("true"), row);
        assertEquals(new TreeSet<>(large.chainIds()), new TreeSet<>(snapshotKeys(ns)));

        // read back: the same bytes (same size and sha256) as pushed, and kept as one file each
        for (LargeImage.Layer layer : large.layers) {
            Path out = Files.createTempFile(daemon.scratch(), "large", ".bin");
            try {
                daemon.ctrToFile(out, "-n", ns, "content", "get", layer.digest()).assertOk();
                assertEquals(layer.size(), Files.size(out));
                assertEquals(layer.digest(), LargeImage.sha256(out));
            } finally {
                Files.deleteIfExists(out);
            }
            assertEquals(layer.size(), Files.size(daemon.blobFile(layer.digest())));
        }
        long read = System.nanoTime();

        ctr(ns, "images", "rm", images.large).assertOk();
        Wait.until(GC_WAIT, () -> contentDigests(ns).isEmpty() && snapshotKeys(ns).isEmpty()
                && large.layers.stream().noneMatch(l -> Files.exists(daemon.blobFile(l.digest()))),
                () -> "garbage collection of the large image: " + ctr(ns, "content", "ls") + ctr(ns, "snapshots", "ls"));
        long collected = System.nanoTime();
        daemon.ctr("namespaces", "rm", ns).assertOk();
        System.out.printf("PullIT: large image of %d MiB: pulled and unpacked in %d ms, read back in %d ms, "
                + "collected in %d ms%n", large.layerBytes() >> 20, (pulled - t0) / 1_000_000,
                (read - pulled) / 1_000_000, (collected - read) / 1_000_000);
    }

    @Test
    void concurrentFetchesOfOneImageLeaveNoIngestBehind() throws IOException {
        // an image of its own, so that no blob of it is in the store yet and every fetch writes
        BusyboxImage image = BusyboxImage.marked(OciImageTar.goArch(), "pull-it concurrent " + System.nanoTime());
        String tag = "c" + System.nanoTime();
        image.push(new RegistryClient(registry), "pull-it/concurrent", tag);
        String ref = registry.host() + "/pull-it/concurrent:" + tag;
        String ns = "pull-it-concurrent";

        List<CompletableFuture<CommandResult>> fetches = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            fetches.add(CompletableFuture.supplyAsync(() -> ctr(ns, "content", "fetch", "--plain-http", ref)));
        }
        for (CompletableFuture<CommandResult> f : fetches) {
            CommandResult r = f.join();
            if (!r.ok()) {
                throw new AssertionError("a concurrent fetch failed: " + r + "\n" + daemon.logTail(60));
            }
        }
        assertEquals(new TreeSet<>(image.blobs().keySet()), contentDigests(ns));
        for (var b : image.blobs().entrySet()) {
            assertArrayEquals(b.getValue(), contentGet(ns, b.getKey()));
        }
        // every writer committed or gave way: no ingest in the namespace, and none underneath
        assertEquals(1, ctr(ns, "content", "active").assertOk().stdout().lines().filter(l -> !l.isBlank()).count(),
                () -> "ctr content active: " + ctr(ns, "content", "active"));
        Path ingests = daemon.root().resolve("io.containerd.content.v1.content").resolve("ingest");
        try (Stream<Path> left = Files.list(ingests)) {
            assertEquals(List.of(), left.toList(), "ingests left in the content store");
        }
        emptyNamespace(ns);
    }
}
