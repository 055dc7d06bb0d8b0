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

import org.containerj.itests.support.CommandResult;
import org.containerj.itests.support.Daemon;
import org.containerj.itests.support.DaemonExtension;
import org.containerj.itests.support.OciImageTar;
import org.containerj.itests.support.Wait;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Images through Debian's ctr: import an OCI layout the test builds (without unpacking:
 * that needs the diff service), list, tag, label, check, export, remove; removing the
 * last image lets garbage collection take its blobs; an image holds its namespace.
 */
@ExtendWith(DaemonExtension.class)
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

    private static List<String> lines(String out) {
        return out.lines().map(String::trim).filter(s -> !s.isEmpty()).toList();
    }
}
