package org.containerj.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.containerj.itests.support.Daemon;
import org.containerj.itests.support.DaemonExtension;
import org.containerj.itests.support.OciImageTar;
import org.containerj.itests.support.Wait;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Containers through Debian's ctr: created on a host directory as rootfs ({@code --rootfs},
 * no image and no snapshot needed), listed, inspected, labelled and removed; errors come
 * back with containerd's codes; a container holds its namespace, publishes events, and
 * keeps what its {@code containerd.io/gc.ref.*} labels reference from garbage collection.
 */
@ExtendWith(DaemonExtension.class)
class ContainersIT {
    private static final String NS = "containers-it";
    private Daemon daemon;
    private Path rootfs;

    @BeforeEach
    void daemon(Daemon daemon) throws IOException {
        this.daemon = daemon;
        daemon.awaitPlugin("io.containerd.grpc.v1", "containers", "ok", Duration.ofSeconds(30));
        rootfs = Files.createTempDirectory(daemon.scratch(), "rootfs");
    }

    private String ctr(String ns, String... args) {
        String[] all = new String[args.length + 2];
        all[0] = "-n";
        all[1] = ns;
        System.arraycopy(args, 0, all, 2, args.length);
        return daemon.ctr(all).assertOk().stdout();
    }

    @Test
    void createListInfoLabelRemove() {
        ctr(NS, "containers", "create", "--rootfs", "--label", "team=blue", rootfs.toString(), "c1", "/bin/true");
        ctr(NS, "containers", "create", "--rootfs", rootfs.toString(), "c2");

        String listed = ctr(NS, "containers", "ls");
        assertTrue(listed.contains("c1") && listed.contains("c2"), listed);
        assertTrue(listed.contains("io.containerd.runc.v2"), listed);
        assertEquals(List.of("c1", "c2"), lines(ctr(NS, "containers", "ls", "-q")));
        assertEquals(List.of(), lines(ctr(NS + "-other", "containers", "ls", "-q")), "containers are per namespace");

        // ctr prints the container with its OCI spec decoded from the stored typed value
        String info = ctr(NS, "containers", "info", "c1");
        assertTrue(info.contains("\"ID\": \"c1\""), info);
        assertTrue(info.contains("\"ociVersion\""), info);
        assertTrue(info.contains(rootfs.toString()), info);
        assertTrue(info.contains("/bin/true"), info);
        assertTrue(info.contains("\"team\": \"blue\""), info);
        assertTrue(info.contains("io.containerd.runc.v2"), info);

        // labels: set, filter, remove
        assertTrue(ctr(NS, "containers", "label", "c2", "env=test").contains("env=test"));
        assertEquals(List.of("c2"), lines(ctr(NS, "containers", "ls", "-q", "labels.env==test")));
        assertEquals(List.of("c1"), lines(ctr(NS, "containers", "ls", "-q", "labels.team==blue")));
        assertEquals(List.of("c2"), lines(ctr(NS, "containers", "ls", "-q", "id==c2")));
        assertEquals(List.of("c1", "c2"), lines(ctr(NS, "containers", "ls", "-q",
                "runtime.name==io.containerd.runc.v2")));
        ctr(NS, "containers", "label", "c2", "env=");
        assertEquals(List.of(), lines(ctr(NS, "containers", "ls", "-q", "labels.env")));

        // a container holds its namespace
        daemon.ctr("namespaces", "rm", NS).assertFailedWith("FailedPrecondition", "must be empty");

        ctr(NS, "containers", "rm", "c1", "c2");
        assertEquals(List.of(), lines(ctr(NS, "containers", "ls", "-q")));
        daemon.ctr("namespaces", "rm", NS).assertOk();
    }

    @Test
    void errorsCarryContainerdsCodes() {
        String ns = NS + "-errors";
        ctr(ns, "containers", "create", "--rootfs", rootfs.toString(), "dup");
        daemon.ctr("-n", ns, "containers", "create", "--rootfs", rootfs.toString(), "dup")
                .assertFailedWith("AlreadyExists", "already exists");
        daemon.ctr("-n", ns, "containers", "create", "--rootfs", rootfs.toString(), "bad..id")
                .assertFailedWith("InvalidArgument", "invalid argument");
        daemon.ctr("-n", ns, "containers", "info", "missing").assertFailedWith("NotFound", "not found");
        daemon.ctr("-n", ns, "containers", "label", "missing", "a=b").assertFailedWith("NotFound", "not found");
        daemon.ctr("-n", ns, "containers", "rm", "missing").assertFailedWith("NotFound", "not found");
        assertEquals(List.of("dup"), lines(ctr(ns, "containers", "ls", "-q")), "failures changed nothing");
        ctr(ns, "containers", "rm", "dup");
        daemon.ctr("namespaces", "rm", ns).assertOk();
    }

    @Test
    void eventsAreSeenByCtrEvents() throws IOException, InterruptedException {
        daemon.awaitPlugin("io.containerd.grpc.v1", "events", "ok", Duration.ofSeconds(30));
        String ns = NS + "-events";
        Path out = Files.createTempFile(daemon.scratch(), "events", ".txt");
        Process events = new ProcessBuilder(daemon.ctrCommand("events"))
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                .redirectOutput(out.toFile())
                .redirectErrorStream(true)
                .start();
        try {
            // ctr subscribes asynchronously: create and remove until a delete is seen
            int[] n = {0};
            Wait.until(Duration.ofSeconds(30), () -> {
                String id = "ev" + n[0]++;
                ctr(ns, "containers", "create", "--rootfs", rootfs.toString(), id);
                ctr(ns, "containers", "label", id, "a=b");
                ctr(ns, "containers", "rm", id);
                return Files.readString(out).contains("/containers/delete");
            }, () -> "ctr events to print a container event; it printed:\n" + read(out));
            String printed = Files.readString(out);
            assertTrue(printed.contains("/containers/create") && printed.contains("/containers/update")
                    && printed.contains(ns), printed);
        } finally {
            events.destroy();
            if (!events.waitFor(10, TimeUnit.SECONDS)) {
                events.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
        daemon.ctr("namespaces", "rm", ns).assertOk();
    }

    @Test
    void aContainerKeepsWhatItsLabelsReference() throws IOException {
        daemon.awaitPlugin("io.containerd.gc.v1", "scheduler", "ok", Duration.ofSeconds(30));
        String ns = NS + "-gc";
        String base = "registry.local/containers-it/app";
        OciImageTar image = OciImageTar.build("hello.txt", "hello from containerj containers " + System.nanoTime());
        Path archive = image.write(Files.createTempFile(daemon.scratch(), "image", ".tar"), "1");
        ctr(ns, "images", "import", "--no-unpack", "--base-name", base, archive.toString());
        ctr(ns, "containers", "create", "--rootfs", "--label",
                "containerd.io/gc.ref.content.m=" + image.manifestDigest, rootfs.toString(), "holder");

        // the image goes, and a collection runs before rm returns; the container keeps the
        // manifest, and the manifest its config and layer
        ctr(ns, "images", "rm", "--sync", base + ":1");
        String content = ctr(ns, "content", "ls", "-q");
        for (String d : List.of(image.manifestDigest, image.configDigest, image.layerDigest)) {
            assertTrue(content.contains(d), d + " in " + content);
        }

        ctr(ns, "containers", "rm", "holder");
        Wait.until(Duration.ofSeconds(20), () -> ctr(ns, "content", "ls", "-q").isBlank(),
                () -> "garbage collection after the container went: " + ctr(ns, "content", "ls"));
        daemon.ctr("namespaces", "rm", ns).assertOk();
    }

    private static List<String> lines(String out) {
        return out.lines().map(String::trim).filter(s -> !s.isEmpty()).sorted().toList();
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            return e.toString();
        }
    }
}
