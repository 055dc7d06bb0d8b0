package org.containerj.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.containerj.itests.support.BusyboxImage;
import org.containerj.itests.support.CommandResult;
import org.containerj.itests.support.Daemon;
import org.containerj.itests.support.DaemonExtension;
import org.containerj.itests.support.Exec;
import org.containerj.itests.support.FsTree;
import org.containerj.itests.support.LayerBuilder;
import org.containerj.itests.support.OciImageTar;
import org.containerj.itests.support.Registry;
import org.containerj.itests.support.RegistryExtension;
import org.containerj.itests.support.ShellBundles;
import org.containerj.itests.support.Wait;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Layers unpacked for real, end to end with Debian's ctr: a three-layer image with
 * whiteouts, an opaque directory, a hard link, symbolic links, set-id files and files
 * owned by uid 1000, pulled from a local registry into overlayfs, native and btrfs (on a
 * loop-mounted btrfs file) and checked entry by entry; hostile layers that must not write
 * outside their snapshot; and {@code ctr snapshots diff} of a changed snapshot, applied
 * again as the top layer of an image, reproducing the change exactly.
 */
@ExtendWith({DaemonExtension.class, RegistryExtension.class})
class LayerUnpackIT {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final String SNAPSHOTTER = "io.containerd.snapshotter.v1";
    private static final String BTRFS_BSN = "org.containerj.snapshot-btrfs";

    private Daemon daemon;
    private Registry registry;

    @BeforeEach
    void setUp(Daemon daemon, Registry registry) {
        this.daemon = daemon;
        this.registry = registry;
        daemon.awaitPlugin("io.containerd.grpc.v1", "images", "ok", WAIT);
        daemon.awaitPlugin("io.containerd.grpc.v1", "snapshots", "ok", WAIT);
        daemon.awaitPlugin("io.containerd.grpc.v1", "diff", "ok", WAIT);
        daemon.awaitPlugin("io.containerd.differ.v1", "walking", "ok", WAIT);
        daemon.awaitPlugin(SNAPSHOTTER, "overlayfs", "ok", WAIT);
        daemon.awaitPlugin(SNAPSHOTTER, "native", "ok", WAIT);
    }

    private CommandResult ctr(String ns, String... args) {
        List<String> all = new ArrayList<>(List.of("-n", ns));
        all.addAll(List.of(args));
        return daemon.ctr(all.toArray(String[]::new));
    }

    // ---------------------------------------------------------------- the image

    /**
     * Three layers. 1: busybox, etc/doomed, data/old-1, data/sub/old-2. 2: etc/doomed
     * whited out, data/ opaque with data/new, opt/tool with a hard link and two symbolic
     * links to it, set-user-ID and set-group-ID files, home/user and a file in it owned by
     * 1000:1000. 3: etc/group (from layer 1) whited out, data/newer, a sticky directory.
     */
    static BusyboxImage richImage() {
        BusyboxImage.Layer one = LayerBuilder.busyboxBase()
                .file("etc/doomed", "deleted by layer 2\n", 0644)
                .dir("data/")
                .file("data/old-1", "hidden by the opaque data/\n", 0644)
                .dir("data/sub/")
                .file("data/sub/old-2", "hidden by the opaque data/\n", 0644)
                .build();
        BusyboxImage.Layer two = LayerBuilder.empty()
                .dir("etc/")
                .whiteout("etc/doomed")
                .dir("data/")
                .opaque("data/")
                .file("data/new", "from layer 2\n", 0644)
                .dir("opt/")
                .file("opt/tool", "#!/bin/sh\necho tool\n", 0755)
                .hardlink("opt/tool-hard", "opt/tool")
                .symlink("opt/tool-sym", "tool")
                .symlink("opt/abs-sym", "/etc/passwd")
                .dir("usr/")
                .dir("usr/bin/")
                .file("usr/bin/setuid-tool", "set-user-ID\n", 04755)
                .file("usr/bin/setgid-tool", "set-group-ID\n", 02755)
                .dir("home/")
                .dir("home/user/", 0750, 1000, 1000)
                .file("home/user/notes", "owned by 1000\n", 0640, 1000, 1000)
                .build();
        BusyboxImage.Layer three = LayerBuilder.empty()
                .dir("etc/")
                .whiteout("etc/group")
                .dir("data/")
                .file("data/newer", "from layer 3\n", 0600)
                .dir("var/")
                .dir("var/shared/", 01777, 0, 0)
                .build();
        return BusyboxImage.of(List.of(one, two, three));
    }

    /** What {@link #richImage()} must unpack to, entry by entry. */
    static void assertRichTree(FsTree t, String where) {
        String all = where + ":\n" + t;
        assertTrue(t.get("bin/busybox") != null && t.get("bin/busybox").type().equals("f"), all);
        assertEquals(OciImageTar.sha256(BusyboxImage.busybox()), t.get("bin/busybox").content(), all);
        assertEquals("l", t.get("bin/sh").type(), all);
        assertEquals("-> busybox", t.get("bin/sh").content(), all);
        // deleted by whiteouts, one and two layers up
        assertNull(t, "etc/doomed", all);
        assertNull(t, "etc/group", all);
        assertEquals(List.of("passwd"), t.list("etc"), all);
        // the opaque directory holds only what layers 2 and 3 put there
        assertEquals(List.of("new", "newer"), t.list("data"), all);
        assertEquals(new FsTree.Node("f", 0600, 0, 0, OciImageTar.sha256("from layer 3\n".getBytes(StandardCharsets.UTF_8)),
                1), t.get("data/newer"), all);
        // hard link: one inode, two names
        assertEquals("f", t.get("opt/tool").type(), all);
        assertEquals(0755, t.get("opt/tool").mode(), all);
        assertEquals(2, t.get("opt/tool").links(), all);
        assertTrue(t.sameInode("opt/tool", "opt/tool-hard"), all);
        assertEquals(t.get("opt/tool"), t.get("opt/tool-hard"), all);
        assertEquals(List.of(List.of("opt/tool", "opt/tool-hard")), t.hardLinkGroups(), all);
        assertEquals("-> tool", t.get("opt/tool-sym").content(), all);
        assertEquals("-> /etc/passwd", t.get("opt/abs-sym").content(), all);
        assertEquals("l", t.get("opt/abs-sym").type(), all);
        // set-id bits and owners
        assertEquals(04755, t.get("usr/bin/setuid-tool").mode(), all);
        assertEquals(02755, t.get("usr/bin/setgid-tool").mode(), all);
        assertEquals(new FsTree.Node("d", 0750, 1000, 1000, "", 1), t.get("home/user"), all);
        assertEquals(new FsTree.Node("f", 0640, 1000, 1000,
                OciImageTar.sha256("owned by 1000\n".getBytes(StandardCharsets.UTF_8)), 1), t.get("home/user/notes"), all);
        assertEquals(new FsTree.Node("d", 01777, 0, 0, "", 1), t.get("var/shared"), all);
        assertEquals(01777, t.get("tmp").mode(), all);
        // no whiteout file shows through
        assertTrue(t.nodes().keySet().stream().noneMatch(p -> p.contains(".wh.")), all);
        assertTrue(t.nodes().values().stream().noneMatch(n -> n.type().equals("c")), "no whiteout device shows: " + all);
    }

    private static void assertNull(FsTree t, String path, String all) {
        assertTrue(t.get(path) == null, () -> path + " must be absent in " + all);
    }

    /** Imports {@code image} without unpacking into a scratch namespace and pushes it as {@code remote}. */
    private void push(BusyboxImage image, String remote) throws IOException {
        String ns = "layer-it-push";
        String local = "registry.local/layer-it/src:" + System.nanoTime();
        Path archive = image.write(Files.createTempFile(daemon.scratch(), "image", ".tar"), local);
        try {
            ctr(ns, "images", "import", "--no-unpack", archive.toString()).assertOk();
            ctr(ns, "images", "push", "--plain-http", remote, local).assertOk();
        } finally {
            ctr(ns, "images", "rm", "--sync", local);
            Files.deleteIfExists(archive);
        }
    }

    private void pull(String ns, String snapshotter, String remote, BusyboxImage image) {
        CommandResult pulled = ctr(ns, "images", "pull", "--plain-http", "--snapshotter", snapshotter, remote);
        if (!pulled.ok()) {
            throw new AssertionError("pull failed: " + pulled + "\n" + daemon.logTail(60) + "\n" + registry.log());
        }
        String snapshots = ctr(ns, "snapshots", "--snapshotter", snapshotter, "ls").assertOk().stdout();
        for (String chain : image.chainIds()) {
            assertTrue(snapshots.lines().anyMatch(l -> l.startsWith(chain) && l.contains("Committed")), snapshots);
        }
    }

    interface Body {
        void run(Path root) throws IOException;
    }

    /** Mounts snapshot {@code key} as {@code ctr snapshots mounts} prints it, runs the body, unmounts. */
    private void mounted(String ns, String snapshotter, String key, Body body) throws IOException {
        Path mnt = Files.createTempDirectory(daemon.scratch(), "mnt");
        try {
            String cmd = ctr(ns, "snapshots", "--snapshotter", snapshotter, "mounts", mnt.toString(), key).assertOk()
                    .stdout();
            Exec.run(List.of("sh", "-c", cmd), WAIT, daemon.scratch()).assertOk();
            try {
                body.run(mnt);
            } finally {
                Exec.run(List.of("umount", mnt.toString()), WAIT, daemon.scratch()).assertOk();
            }
        } finally {
            Files.deleteIfExists(mnt);
        }
    }

    /**
     * The tree of the image's top snapshot, through a view labelled as a GC root (a bare view
     * is garbage to the collector, in containerd as here), removed afterwards.
     */
    private FsTree viewTree(String ns, String snapshotter, String chainId) throws IOException {
        String key = labelledView(daemon, ns, snapshotter, chainId);
        try {
            FsTree[] tree = new FsTree[1];
            mounted(ns, snapshotter, key, root -> tree[0] = FsTree.read(root));
            return tree[0];
        } finally {
            ctr(ns, "snapshots", "--snapshotter", snapshotter, "rm", key);
        }
    }

    /**
     * Makes a view of {@code parent} labelled {@code containerd.io/gc.root}, and returns its
     * key. A collection may take a fresh, unlabelled view before the label is set (a view
     * nothing refers to is garbage, in containerd too): then another is made.
     */
    static String labelledView(Daemon daemon, String ns, String snapshotter, String parent) {
        return Wait.forValue(WAIT, () -> {
            String key = "view-" + System.nanoTime();
            daemon.ctr("-n", ns, "snapshots", "--snapshotter", snapshotter, "view", key, parent).assertOk();
            return daemon.ctr("-n", ns, "snapshots", "--snapshotter", snapshotter, "label", key,
                    "containerd.io/gc.root=itest").ok() ? key : null;
        }, () -> "a labelled view of " + parent);
    }

    private void removeImage(String ns, String snapshotter, String ref) {
        ctr(ns, "images", "rm", "--sync", ref);
        try {
            Wait.until(WAIT, () -> ctr(ns, "snapshots", "--snapshotter", snapshotter, "ls").stdout().lines().skip(1)
                    .allMatch(String::isBlank) && ctr(ns, "content", "ls", "-q").stdout().isBlank(),
                    () -> "garbage collection in " + ns + ": " + ctr(ns, "snapshots", "--snapshotter", snapshotter, "ls"));
        } finally {
            daemon.ctr("namespaces", "rm", ns);
        }
    }

    // ---------------------------------------------------------------- overlayfs, native, btrfs

    @Test
    void richImageUnpacksEntryByEntryOnOverlayNativeAndBtrfs() throws Exception {
        BusyboxImage image = richImage();
        String remote = registry.host() + "/itest/rich:1";
        push(image, remote);

        pull("layer-it-overlay", "overlayfs", remote, image);
        FsTree overlay = viewTree("layer-it-overlay", "overlayfs", image.chainId());
        assertRichTree(overlay, "overlayfs");

        pull("layer-it-native", "native", remote, image);
        FsTree copied = viewTree("layer-it-native", "native", image.chainId());
        assertRichTree(copied, "native");
        assertEquals("", overlay.differences(copied), "overlayfs and native hold the same tree");

        FsTree btrfs = onLoopBtrfs(() -> {
            pull("layer-it-btrfs", "btrfs", remote, image);
            try {
                return viewTree("layer-it-btrfs", "btrfs", image.chainId());
            } finally {
                removeImage("layer-it-btrfs", "btrfs", remote);
            }
        });
        assertRichTree(btrfs, "btrfs");
        assertEquals("", overlay.differences(btrfs), "overlayfs and btrfs hold the same tree");

        removeImage("layer-it-overlay", "overlayfs", remote);
        removeImage("layer-it-native", "native", remote);
    }

    /**
     * The Transfer service applies the layers into overlayfs in parallel, each without its
     * lowers, and rebases them onto their parents: whiteouts and the opaque directory must
     * give the same tree as the layer-by-layer unpack of {@code ctr images pull} (client side).
     */
    @Test
    void richImagePulledThroughTheTransferServiceUnpacksInParallelToTheSameTree() throws Exception {
        BusyboxImage image = richImage();
        String remote = registry.host() + "/itest/rich-parallel:1";
        push(image, remote);

        pull("layer-it-sequential", "overlayfs", remote, image);
        FsTree sequential = viewTree("layer-it-sequential", "overlayfs", image.chainId());

        long mark = daemon.logMark();
        CommandResult pulled = daemon.shell("image-pull -n layer-it-parallel --plain-http --snapshotter overlayfs "
                + remote);
        if (!pulled.ok()) {
            throw new AssertionError("pull failed: " + pulled + "\n" + daemon.logTail(60));
        }
        String log = daemon.logSince(mark);
        assertTrue(log.contains("overlayfs: unpacked " + image.chainIds().size() + " of " + image.chainIds().size()
                + " layers in parallel"), "the parallel path was used:\n" + log);
        FsTree parallel = viewTree("layer-it-parallel", "overlayfs", image.chainId());
        assertRichTree(parallel, "overlayfs, in parallel");
        assertEquals("", sequential.differences(parallel), "the parallel unpack gives the same tree");

        removeImage("layer-it-parallel", "overlayfs", remote);
        removeImage("layer-it-sequential", "overlayfs", remote);
    }

    interface OnBtrfs<T> {
        T run() throws Exception;
    }

    /**
     * Runs {@code body} with the btrfs snapshotter active on a 256 MiB btrfs file system,
     * loop-mounted at its root directory in the daemon's root: the file system is made,
     * the btrfs bundle stopped and started through the shell so that it activates on it,
     * and afterwards (whatever happened) the bundle stopped, the file system unmounted, the
     * loop device detached, and the bundle started again (skipped, as before).
     */
    private <T> T onLoopBtrfs(OnBtrfs<T> body) throws Exception {
        ShellBundles bundles = new ShellBundles(daemon);
        Path image = daemon.scratch().resolve("btrfs-" + System.nanoTime() + ".img");
        Path mountPoint = daemon.root().resolve(SNAPSHOTTER + ".btrfs");
        String device = null;
        boolean mounted = false;
        boolean stopped = false;
        try {
            try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "rw")) {
                f.setLength(256L << 20);
            }
            Exec.run(List.of("mkfs.btrfs", "-q", image.toString()), WAIT, daemon.scratch()).assertOk();
            device = Exec.run(List.of("losetup", "--find", "--show", image.toString()), WAIT, daemon.scratch())
                    .assertOk().stdout().strip();
            Files.createDirectories(mountPoint);
            Exec.run(List.of("mount", "-t", "btrfs", device, mountPoint.toString()), WAIT, daemon.scratch()).assertOk();
            mounted = true;
            bundles.stop(BTRFS_BSN);
            stopped = true;
            bundles.start(BTRFS_BSN);
            stopped = false;
            daemon.awaitPlugin(SNAPSHOTTER, "btrfs", "ok", WAIT);
            Wait.until(WAIT, () -> ctr("layer-it-btrfs", "snapshots", "--snapshotter", "btrfs", "ls").ok(),
                    () -> "btrfs answers: " + ctr("layer-it-btrfs", "snapshots", "--snapshotter", "btrfs", "ls"));
            return body.run();
        } finally {
            List<String> problems = new ArrayList<>();
            if (mounted) {
                try {
                    bundles.stop(BTRFS_BSN);
                    stopped = true;
                } catch (AssertionError e) {
                    problems.add(e.getMessage());
                }
                if (!Exec.run(List.of("umount", mountPoint.toString()), WAIT, daemon.scratch()).ok()) {
                    CommandResult lazy = Exec.run(List.of("umount", "-l", mountPoint.toString()), WAIT, daemon.scratch());
                    if (!lazy.ok()) {
                        problems.add(lazy.toString());
                    }
                }
            }
            if (device != null) {
                CommandResult detach = Exec.run(List.of("losetup", "-d", device), WAIT, daemon.scratch());
                if (!detach.ok()) {
                    problems.add(detach.toString());
                }
            }
            Files.deleteIfExists(image);
            if (stopped) {
                bundles.ensureStarted(BTRFS_BSN);
            }
            daemon.awaitPlugin(SNAPSHOTTER, "btrfs", "skip", WAIT);
            assertEquals(List.of(), problems, "tearing down the loop btrfs");
        }
    }

    /**
     * Entries of a later layer that reach into a lower one: a hard link to a file of a lower
     * layer, and a file written through a symbolic link of a lower layer. containerd 1.6.20
     * (checked side by side with the same layers) applies a layer to an overlayfs snapshot's
     * upper directory alone: there the hard link fails (its target is not in that directory)
     * and the file goes into a new directory that hides the lower symbolic link; on native,
     * where the parent is a full copy, both work as on a mounted tree. containerj does the
     * same on each.
     */
    @Test
    void linksIntoLowerLayersAsContainerdOnEachSnapshotter() throws IOException {
        String ns = "layer-it-lower";
        BusyboxImage.Layer base = LayerBuilder.empty()
                .dir("etc/").file("etc/passwd", "root:x:0:0::/root:/bin/sh\n", 0644)
                .dir("usr/").dir("usr/lib/").file("usr/lib/base.so", "from layer 1\n", 0644)
                .symlink("lib", "usr/lib")
                .build();
        BusyboxImage.Layer hardLink = LayerBuilder.empty().dir("etc/").hardlink("etc/passwd-hard", "etc/passwd").build();
        BusyboxImage.Layer throughSymlink = LayerBuilder.empty().file("lib/added.so", "through lib\n", 0644).build();
        BusyboxImage linked = BusyboxImage.of(List.of(base, hardLink));
        BusyboxImage written = BusyboxImage.of(List.of(base, throughSymlink));
        Path linkedTar = linked.write(Files.createTempFile(daemon.scratch(), "lower", ".tar"), "registry.local/lower/hard:1");
        Path writtenTar = written.write(Files.createTempFile(daemon.scratch(), "lower", ".tar"),
                "registry.local/lower/sym:1");
        try {
            ctr(ns, "images", "import", "--snapshotter", "native", linkedTar.toString()).assertOk();
            FsTree copiedLink = viewTree(ns, "native", linked.chainId());
            assertTrue(copiedLink.sameInode("etc/passwd", "etc/passwd-hard"), copiedLink::toString);
            ctr(ns, "images", "import", "--snapshotter", "native", writtenTar.toString()).assertOk();
            FsTree copiedSym = viewTree(ns, "native", written.chainId());
            assertEquals("-> usr/lib", copiedSym.get("lib").content(), copiedSym::toString);
            assertEquals(List.of("added.so", "base.so"), copiedSym.list("usr/lib"), copiedSym::toString);

            CommandResult refused = ctr(ns, "images", "import", linkedTar.toString());
            assertFalse(refused.ok(), refused::toString);
            assertTrue(refused.stderr().contains("etc/passwd-hard"), refused::toString);
            assertFalse(ctr(ns, "snapshots", "ls").assertOk().stdout().contains(linked.chainId()), "no snapshot left");
            ctr(ns, "images", "import", writtenTar.toString()).assertOk();
            FsTree overlaid = viewTree(ns, "overlayfs", written.chainId());
            assertEquals("d", overlaid.get("lib").type(), overlaid::toString);
            assertEquals(List.of("added.so"), overlaid.list("lib"), overlaid::toString);
            assertEquals(List.of("base.so"), overlaid.list("usr/lib"), overlaid::toString);
        } finally {
            Files.deleteIfExists(linkedTar);
            Files.deleteIfExists(writtenTar);
            ctr(ns, "images", "rm", "--sync", "registry.local/lower/hard:1", "registry.local/lower/sym:1");
            try {
                Wait.until(WAIT, () -> ctr(ns, "content", "ls", "-q").stdout().isBlank()
                        && ctr(ns, "snapshots", "ls").stdout().lines().skip(1).allMatch(String::isBlank)
                        && ctr(ns, "snapshots", "--snapshotter", "native", "ls").stdout().lines().skip(1)
                                .allMatch(String::isBlank), "garbage collection in " + ns);
            } finally {
                daemon.ctr("namespaces", "rm", ns);
            }
        }
    }

    // ---------------------------------------------------------------- hostile layers

    /** An image whose only layer is {@code layer}, imported (and so unpacked through the Diff service) into {@code ns}. */
    private CommandResult importLayer(String ns, String ref, BusyboxImage.Layer layer) throws IOException {
        Path archive = BusyboxImage.of(List.of(layer)).write(Files.createTempFile(daemon.scratch(), "hostile", ".tar"), ref);
        try {
            return ctr(ns, "images", "import", archive.toString());
        } finally {
            Files.delete(archive);
        }
    }

    @Test
    void hostileLayersWriteNothingOutsideTheirSnapshot() throws IOException {
        String ns = "layer-it-hostile";
        // short, so that 12 "../" and the path still fit a tar name; removed at the end
        Path outside = Files.createTempDirectory(Path.of("/tmp"), "cj-out");
        Path sentinel = Files.writeString(outside.resolve("sentinel"), "untouched\n");
        String out = outside.toString().substring(1); // the absolute path without its leading slash
        String up = "../".repeat(12);
        Map<String, BusyboxImage.Layer> refused = Map.of(
                "dotdot", LayerBuilder.empty().file(up + out + "/written-by-dotdot", "escaped\n", 0644).build(),
                "absolute", LayerBuilder.empty().file("/" + out + "/written-by-absolute", "escaped\n", 0644).build(),
                "hardlink-dotdot", LayerBuilder.empty().hardlink("linked", up + out + "/sentinel").build(),
                "hardlink-absolute", LayerBuilder.empty().hardlink("linked", "/" + out + "/sentinel").build(),
                "everything", LayerBuilder.empty()
                        .symlink("escape", "/" + out)
                        .file("escape/written-through-symlink", "escaped\n", 0644)
                        .hardlink("escape-link", up + out + "/sentinel")
                        .file(up + out + "/written-by-dotdot", "escaped\n", 0644)
                        .file("/" + out + "/written-by-absolute", "escaped\n", 0644)
                        .build());
        try {
            for (var e : refused.entrySet()) {
                String ref = "registry.local/hostile/" + e.getKey() + ":1";
                CommandResult r = importLayer(ns, ref, e.getValue());
                assertFalse(r.ok(), () -> e.getKey() + " must be refused: " + r);
                String err = r.stderr();
                System.out.println("refused " + e.getKey() + ": " + err.strip());
                assertTrue(err.contains("invalid argument")
                        && (err.contains("escapes from parent") || err.contains("hard link")), () -> e.getKey() + ": " + r);
                assertOutsideUntouched(outside, sentinel, e.getKey());
                String snapshots = ctr(ns, "snapshots", "ls").assertOk().stdout();
                assertTrue(snapshots.lines().skip(1).allMatch(String::isBlank),
                        () -> e.getKey() + ": no snapshot is left for a refused layer: " + snapshots);
                ctr(ns, "images", "rm", "--sync", ref);
            }

            // a symbolic link out of the root is followed as inside a chroot: what is written
            // through it lands inside the snapshot, as with containerd
            BusyboxImage.Layer contained = LayerBuilder.empty()
                    .symlink("escape", "/" + out)
                    .file("escape/through-absolute-link", "inside\n", 0644)
                    .symlink("escape-relative", up + out)
                    .file("escape-relative/through-relative-link", "inside\n", 0644)
                    .build();
            String ref = "registry.local/hostile/symlinks:1";
            importLayer(ns, ref, contained).assertOk();
            assertOutsideUntouched(outside, sentinel, "symlinks");
            FsTree t = viewTree(ns, "overlayfs", contained.diffId());
            assertEquals("-> /" + out, t.get("escape").content(), t::toString);
            assertEquals("f", t.get(out + "/through-absolute-link").type(), t::toString);
            assertEquals("f", t.get(out + "/through-relative-link").type(), t::toString);
            removeImage(ns, "overlayfs", ref);
        } finally {
            daemon.ctr("namespaces", "rm", ns);
            try (var entries = Files.list(outside)) {
                for (Path p : entries.toList()) {
                    Files.delete(p);
                }
            }
            Files.delete(outside);
        }
    }

    private static void assertOutsideUntouched(Path outside, Path sentinel, String what) throws IOException {
        try (var entries = Files.list(outside)) {
            assertEquals(List.of(sentinel), entries.toList(), what + ": nothing written next to the sentinel");
        }
        assertEquals("untouched\n", Files.readString(sentinel), what);
        assertEquals(1, Files.getAttribute(sentinel, "unix:nlink", LinkOption.NOFOLLOW_LINKS), what + ": no hard link to it");
    }

    // ---------------------------------------------------------------- ctr snapshots diff

    @Test
    void aSnapshotDiffAppliedOnItsParentReproducesTheChange() throws IOException, InterruptedException {
        String ns = "layer-it-diff";
        BusyboxImage image = richImage();
        String ref = "registry.local/layer-it/rich:diff";
        Path archive = image.write(Files.createTempFile(daemon.scratch(), "rich", ".tar"), ref);
        ctr(ns, "images", "import", archive.toString()).assertOk();
        Files.delete(archive);
        String changedRef = "registry.local/layer-it/rich:changed";
        String[] kept = new String[1];
        try {
            ctr(ns, "snapshots", "prepare", "changed", image.chainId()).assertOk();
            FsTree[] expected = new FsTree[1];
            mounted(ns, "overlayfs", "changed", root -> {
                Files.writeString(root.resolve("etc/passwd"), "user:x:1000:1000::/home/user:/bin/sh\n",
                        java.nio.file.StandardOpenOption.APPEND);
                Path added = Files.writeString(root.resolve("opt/added"), "added by hand\n");
                Files.setAttribute(added, "unix:mode", 0600);
                Files.setAttribute(added, "unix:uid", 1000);
                Files.setAttribute(added, "unix:gid", 1000);
                Files.createLink(root.resolve("opt/added-hard"), added);
                Files.createSymbolicLink(root.resolve("opt/added-sym"), Path.of("../etc/passwd"));
                Files.delete(root.resolve("bin/ls"));
                Files.delete(root.resolve("data/new"));
                Files.delete(root.resolve("home/user/notes"));
                Files.delete(root.resolve("home/user"));
                Files.createDirectories(root.resolve("srv/www"));
                Files.writeString(root.resolve("srv/www/index.html"), "<p>hi</p>\n");
                Files.setAttribute(root.resolve("usr/bin/setuid-tool"), "unix:mode", 0755);
                Files.setAttribute(root.resolve("var/shared"), "unix:mode", 01770);
                expected[0] = FsTree.read(root);
            });
            assertNotNull(expected[0]);
            assertTrue(expected[0].get("home/user") == null && expected[0].get("opt/added") != null);

            Path blobFile = daemon.scratch().resolve("diff-" + System.nanoTime() + ".tar.gz");
            List<String> diffCommand = daemon.ctrCommand("-n", ns, "snapshots", "diff", "--keep", "changed");
            Process p = new ProcessBuilder(diffCommand).redirectOutput(blobFile.toFile())
                    .redirectError(ProcessBuilder.Redirect.DISCARD).start();
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), "ctr snapshots diff finished");
            assertEquals(0, p.exitValue(), "ctr snapshots diff");
            byte[] blob = Files.readAllBytes(blobFile);
            Files.delete(blobFile);
            BusyboxImage.Layer layer = LayerBuilder.fromGzipBlob(blob);
            kept[0] = layer.digest();
            String content = ctr(ns, "content", "ls").assertOk().stdout();
            assertTrue(content.lines().anyMatch(l -> l.startsWith(layer.digest())
                    && l.contains("containerd.io/uncompressed=" + layer.diffId())), content);

            List<BusyboxImage.Layer> layers = new ArrayList<>(image.layers);
            layers.add(layer);
            BusyboxImage changed = BusyboxImage.of(layers);
            Path changedArchive = changed.write(Files.createTempFile(daemon.scratch(), "changed", ".tar"), changedRef);
            try {
                ctr(ns, "images", "import", changedArchive.toString()).assertOk();
                FsTree applied = viewTree(ns, "overlayfs", changed.chainId());
                assertEquals("", expected[0].differences(applied), "the diff applied on the parent is the change");
                assertTrue(applied.hardLinkGroups().contains(List.of("opt/added", "opt/added-hard")),
                        () -> applied.hardLinkGroups().toString());

                // the same on native, where the whole chain is unpacked as full copies
                ctr(ns, "images", "import", "--snapshotter", "native", changedArchive.toString()).assertOk();
                FsTree copied = viewTree(ns, "native", changed.chainId());
                assertEquals("", expected[0].differences(copied), "the diff applied on native");
            } finally {
                Files.delete(changedArchive);
            }
        } finally {
            ctr(ns, "snapshots", "rm", "changed");
            ctr(ns, "images", "rm", "--sync", changedRef);
            ctr(ns, "images", "rm", "--sync", ref);
            if (kept[0] != null) {
                // --keep labelled it a GC root: it is the creator's to delete
                ctr(ns, "content", "rm", kept[0]);
            }
            try {
                Wait.until(WAIT, () -> ctr(ns, "content", "ls", "-q").stdout().isBlank()
                        && ctr(ns, "snapshots", "ls").stdout().lines().skip(1).allMatch(String::isBlank)
                        && ctr(ns, "snapshots", "--snapshotter", "native", "ls").stdout().lines().skip(1)
                                .allMatch(String::isBlank), "garbage collection in " + ns);
            } catch (AssertionError e) {
                System.err.println("left in " + ns + ": " + ctr(ns, "content", "ls") + ctr(ns, "snapshots", "ls")
                        + ctr(ns, "snapshots", "--snapshotter", "native", "ls"));
            }
            daemon.ctr("namespaces", "rm", ns);
        }
    }
}
