package org.containerj.itests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

import org.containerj.itests.support.BusyboxImage;
import org.containerj.itests.support.CommandResult;
import org.containerj.itests.support.Daemon;
import org.containerj.itests.support.DaemonExtension;
import org.containerj.itests.support.ImageIndex;
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
 * Images through Debian's ctr: import an OCI layout the test builds (without unpacking:
 * that needs the diff service), list, tag, label, check, export, remove; removing the
 * last image lets garbage collection take its blobs; an image holds its namespace. Then
 * images pulled from the registry: an index of two platforms listed, checked, tagged,
 * labelled, exported and imported again with byte-identical blobs; removing the last image
 * that references a blob deletes the blob's file, not before.
 */
@ExtendWith({DaemonExtension.class, RegistryExtension.class})
class ImagesIT {
    private static final String NS = "images-it";
    private static final String BASE = "registry.local/images-it/app";
    private Daemon daemon;

    @BeforeEach
    void daemon(Daemon daemon) {
        this.daemon = daemon;
        daemon.awaitPlugin("io.containerd.grpc.v1", "images", "ok", Duration.ofSeconds(30));
        daemon.awaitPlugin("io.containerd.gc.v1", "scheduler", "ok", Duration.ofSeconds(30));
    }

    private String ctr(String... args) {
        String[] all = new String[args.length + 2];
        all[0] = "-n";
        all[1] = NS;
        System.arraycopy(args, 0, all, 2, args.length);
        return daemon.ctr(all).assertOk().stdout();
    }

    @Test
    void importTagLabelExportRemoveCollect() throws IOException {
        OciImageTar image = OciImageTar.build("hello.txt", "hello from containerj images " + System.nanoTime() + "\n");
        Path archive = image.write(Files.createTempFile(daemon.scratch(), "image", ".tar"), "1.0");
        String name = BASE + ":1.0";

        ctr("images", "import", "--no-unpack", "--base-name", BASE, archive.toString());
        String listed = ctr("images", "ls");
        assertTrue(listed.contains(name) && listed.contains(image.manifestDigest), listed);
        assertTrue(listed.contains(OciImageTar.MANIFEST_TYPE), listed);
        String content = ctr("content", "ls", "-q");
        for (String d : List.of(image.manifestDigest, image.configDigest, image.layerDigest)) {
            assertTrue(content.contains(d), content);
        }
        // the import labelled the manifest with what it references, for garbage collection
        String labels = ctr("content", "ls");
        assertTrue(labels.contains("containerd.io/gc.ref.content"), labels);

        // another namespace does not see it
        assertFalse(daemon.ctr("-n", "images-it-other", "images", "ls", "-q").assertOk().stdout().contains(name));

        ctr("images", "tag", name, BASE + ":latest");
        ctr("images", "label", BASE + ":latest", "team=blue");
        assertEquals(List.of(BASE + ":latest"), lines(ctr("images", "ls", "-q", "labels.team==blue")));
        assertEquals(List.of(BASE + ":1.0", BASE + ":latest"),
                lines(ctr("images", "ls", "-q", "target.digest==" + image.manifestDigest)).stream().sorted().toList());
        daemon.ctr("-n", NS, "images", "tag", name, BASE + ":latest").assertFailedWith("AlreadyExists",
                "already exists");

        // ctr also asks the snapshots service whether the image is unpacked; until that
        // service is there, it says so and exits 1 after printing the content check
        var check = daemon.ctr("-n", NS, "images", "check");
        assertTrue(check.ok() || check.stderr().contains("snapshots"), check.toString());
        assertTrue(check.stdout().contains(name) && check.stdout().contains("complete"), check.toString());

        // export round-trips the blobs byte for byte
        Path exported = daemon.scratch().resolve("exported-" + System.nanoTime() + ".tar");
        ctr("images", "export", exported.toString(), name);
        Map<String, byte[]> files = OciImageTar.readTar(exported);
        assertTrue(files.containsKey("index.json") && files.containsKey("oci-layout"), files.keySet().toString());
        assertArrayEquals(image.manifest, files.get("blobs/sha256/" + image.manifestDigest.substring(7)));
        assertArrayEquals(image.config, files.get("blobs/sha256/" + image.configDigest.substring(7)));
        assertArrayEquals(image.layer, files.get("blobs/sha256/" + image.layerDigest.substring(7)));

        // and imports again elsewhere
        daemon.ctr("-n", NS + "-again", "images", "import", "--no-unpack", "--base-name", BASE, exported.toString())
                .assertOk();
        assertTrue(daemon.ctr("-n", NS + "-again", "images", "ls", "-q").assertOk().stdout().contains(name));

        // an image holds its namespace
        daemon.ctr("namespaces", "rm", NS).assertFailedWith("FailedPrecondition", "must be empty");

        ctr("images", "rm", BASE + ":latest");
        assertTrue(ctr("content", "ls", "-q").contains(image.layerDigest), "another image still holds the blobs");

        ctr("images", "rm", name);
        assertEquals(List.of(), lines(ctr("images", "ls", "-q")));
        Wait.until(Duration.ofSeconds(20), () -> {
            String left = ctr("content", "ls", "-q");
            return !left.contains(image.manifestDigest) && !left.contains(image.configDigest)
                    && !left.contains(image.layerDigest);
        }, () -> "garbage collection of the image's blobs: " + ctr("content", "ls"));
        // ctr reports an image it cannot find and goes on
        assertTrue(daemon.ctr("-n", NS, "images", "rm", name).assertOk().stderr().contains("not found"));
        daemon.ctr("namespaces", "rm", NS).assertOk();

        // the other namespace kept its copy
        assertTrue(daemon.ctr("-n", NS + "-again", "content", "ls", "-q").assertOk().stdout()
                .contains(image.layerDigest));
        daemon.ctr("-n", NS + "-again", "images", "rm", name).assertOk();
        Wait.until(Duration.ofSeconds(20),
                () -> daemon.ctr("-n", NS + "-again", "content", "ls", "-q").assertOk().stdout().isBlank(),
                "garbage collection in the second namespace");
    }

    @Test
    void importADockerArchive() throws IOException {
        String ns = NS + "-docker";
        String text = "hello from a docker archive " + System.nanoTime() + "\n";
        OciImageTar image = OciImageTar.build("hello.txt", text);
        Path archive = Files.createTempFile(daemon.scratch(), "docker", ".tar");
        String name = "registry.local/images-it/docker:1";
        String layer = image.writeDockerArchive(archive, name, "hello.txt", text);

        daemon.ctr("-n", ns, "images", "import", "--no-unpack", archive.toString()).assertOk();
        String listed = daemon.ctr("-n", ns, "images", "ls").assertOk().stdout();
        assertTrue(listed.contains(name), listed);
        String content = daemon.ctr("-n", ns, "content", "ls", "-q").assertOk().stdout();
        assertTrue(content.contains(layer) && content.contains(image.configDigest), content);

        daemon.ctr("-n", ns, "images", "rm", name).assertOk();
        Wait.until(Duration.ofSeconds(20),
                () -> daemon.ctr("-n", ns, "content", "ls", "-q").assertOk().stdout().isBlank(),
                () -> "garbage collection of the docker archive's blobs: " + daemon.ctr("-n", ns, "content", "ls"));
        daemon.ctr("namespaces", "rm", ns).assertOk();
    }

    @Test
    void badImagesAreRejected() {
        assertTrue(daemon.ctr("-n", NS + "-bad", "images", "rm", "no-such-image").assertOk().stderr()
                .contains("not found"));
        daemon.ctr("-n", NS + "-bad", "images", "label", "no-such-image", "a=b").assertFailedWith("NotFound",
                "not found");
        daemon.ctr("-n", NS + "-bad", "images", "tag", "no-such-image", "x").assertFailedWith("NotFound", "not found");
    }

    /** ctr -n NS ARGS..., which must succeed; its output. */
    private String in(String ns, String... args) {
        String[] all = new String[args.length + 2];
        all[0] = "-n";
        all[1] = ns;
        System.arraycopy(args, 0, all, 2, args.length);
        return daemon.ctr(all).assertOk().stdout();
    }

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

    private TreeSet<String> contentDigests(String ns) {
        return new TreeSet<>(lines(daemon.ctr("-n", ns, "content", "ls", "-q").assertOk().stdout()));
    }

    @Test
    void aPulledIndexIsListedCheckedTaggedLabelledAndRoundTripsThroughExportAndImport(Registry registry)
            throws IOException {
        TestImages images = TestImages.in(registry);
        ImageIndex index = images.indexImage;
        String ref = images.index;
        String ns = NS + "-pulled";
        String copy = BASE + ":index-copy";
        String again = NS + "-imported";

        CommandResult pulled = daemon.ctr("-n", ns, "images", "pull", "--plain-http", "--all-platforms", ref);
        if (!pulled.ok()) {
            throw new AssertionError("pull failed: " + pulled + "\n" + daemon.logTail(60) + "\n" + registry.log());
        }
        String row = lines(in(ns, "images", "ls")).stream().filter(l -> l.startsWith(ref + " ")).findFirst()
                .orElseThrow();
        assertTrue(row.contains(ImageIndex.INDEX_TYPE) && row.contains(index.digest)
                && row.contains("linux/amd64,linux/arm64"), row);
        String check = in(ns, "images", "check");
        assertTrue(check.lines().anyMatch(l -> l.startsWith(ref + " ") && l.contains("complete (2/2)")
                && l.strip().endsWith("true")), check);

        // tag (again only with --force), label, and a label set to "" is removed (as containerd does)
        assertEquals(copy, in(ns, "images", "tag", ref, copy).strip());
        daemon.ctr("-n", ns, "images", "tag", ref, copy).assertFailedWith("AlreadyExists", "already exists");
        in(ns, "images", "tag", "--force", ref, copy);
        in(ns, "images", "label", copy, "team=green", "other=x");
        assertEquals("team=green", in(ns, "images", "label", copy, "other=").strip());
        assertEquals(List.of(copy), lines(in(ns, "images", "ls", "-q", "labels.team==green")));
        assertEquals(List.of(), lines(in(ns, "images", "ls", "-q", "labels.other")));
        assertEquals(List.of(copy, ref).stream().sorted().toList(),
                lines(in(ns, "images", "ls", "-q", "target.digest==" + index.digest)).stream().sorted().toList());

        // export: every blob of both platforms, byte for byte, and the layout naming the index
        Path exported = daemon.scratch().resolve("index-" + System.nanoTime() + ".tar");
        in(ns, "images", "export", "--all-platforms", exported.toString(), ref);
        Map<String, byte[]> files = OciImageTar.readTar(exported);
        assertTrue(files.containsKey("oci-layout"), files.keySet().toString());
        assertTrue(new String(files.get("index.json"), java.nio.charset.StandardCharsets.UTF_8).contains(index.digest));
        for (var blob : index.blobs().entrySet()) {
            assertArrayEquals(blob.getValue(), files.get("blobs/sha256/" + blob.getKey().substring(7)),
                    "exported " + blob.getKey());
        }

        // import elsewhere: the same image, the same blobs
        daemon.ctr("-n", again, "images", "import", "--all-platforms", "--no-unpack", exported.toString()).assertOk();
        assertTrue(lines(in(again, "images", "ls")).stream()
                .anyMatch(l -> l.startsWith(ref + " ") && l.contains(index.digest)), in(again, "images", "ls"));
        // (besides these, the import wrote the archive's own index.json, which nothing references:
        // the next collection takes it, as in containerd)
        assertTrue(contentDigests(again).containsAll(index.blobs().keySet()), () -> contentDigests(again).toString());
        for (var blob : index.blobs().entrySet()) {
            assertArrayEquals(blob.getValue(), contentGet(again, blob.getKey()), "imported " + blob.getKey());
        }

        // content label, and what a missing layer does to the check
        BusyboxImage host = index.image(OciImageTar.goArch());
        String layer = host.layers.get(0).digest();
        in(again, "content", "label", layer, "kept=yes");
        assertEquals(List.of(layer), lines(in(again, "content", "ls", "-q", "labels.kept==yes")));
        assertEquals(layer, in(again, "content", "rm", layer).strip());
        String incomplete = in(again, "images", "check");
        assertTrue(incomplete.lines().anyMatch(l -> l.startsWith(ref + " ") && l.contains("incomplete (1/2)")),
                incomplete);
        daemon.ctr("-n", again, "content", "get", layer).assertFailedWith("NotFound", "not found");
        assertTrue(contentDigests(ns).contains(layer), "the other namespace keeps its blob");

        for (String n : List.of(ns, again)) {
            for (String image : lines(in(n, "images", "ls", "-q"))) {
                in(n, "images", "rm", image);
            }
            Wait.until(Duration.ofSeconds(30), () -> contentDigests(n).isEmpty()
                    && lines(daemon.ctr("-n", n, "snapshots", "ls").assertOk().stdout()).size() <= 1,
                    () -> "garbage collection in " + n + ": " + daemon.ctr("-n", n, "content", "ls"));
            daemon.ctr("namespaces", "rm", n).assertOk();
        }
    }

    @Test
    void removingTheLastImageThatReferencesABlobDeletesItsFile(Registry registry) {
        // an image of its own (a marker no other test uses), so that no other namespace holds its blobs
        BusyboxImage image = BusyboxImage.marked(OciImageTar.goArch(), "images-it gc " + System.nanoTime());
        String tag = "t" + System.nanoTime();
        image.push(new RegistryClient(registry), "images-it/gc", tag);
        String ref = registry.host() + "/images-it/gc:" + tag;
        String a = NS + "-gc-a";
        String b = NS + "-gc-b";
        String second = BASE + ":gc-second";
        for (String n : List.of(a, b)) {
            daemon.ctr("-n", n, "content", "fetch", "--plain-http", ref).assertOk();
            assertEquals(new TreeSet<>(image.blobs().keySet()), contentDigests(n));
        }
        in(a, "images", "tag", ref, second);
        for (String d : image.blobs().keySet()) {
            assertTrue(Files.isRegularFile(daemon.blobFile(d)), "blob file of " + d);
        }

        // --sync waits for the collection: what another image still references stays
        in(a, "images", "rm", "--sync", ref);
        assertEquals(new TreeSet<>(image.blobs().keySet()), contentDigests(a), "the second name holds the blobs");
        in(a, "images", "rm", "--sync", second);
        assertEquals(new TreeSet<>(), contentDigests(a));
        for (String d : image.blobs().keySet()) {
            assertTrue(Files.isRegularFile(daemon.blobFile(d)), "namespace " + b + " still holds " + d);
        }

        // the last one: the records go, and then the files
        in(b, "images", "rm", ref);
        Wait.until(Duration.ofSeconds(20), () -> contentDigests(b).isEmpty()
                && image.blobs().keySet().stream().noneMatch(d -> Files.exists(daemon.blobFile(d))),
                () -> "garbage collection of the blobs and their files: " + daemon.ctr("-n", b, "content", "ls"));
        daemon.ctr("namespaces", "rm", a).assertOk();
        daemon.ctr("namespaces", "rm", b).assertOk();
    }

    private static List<String> lines(String out) {
        return out.lines().map(String::trim).filter(s -> !s.isEmpty()).toList();
    }
}
