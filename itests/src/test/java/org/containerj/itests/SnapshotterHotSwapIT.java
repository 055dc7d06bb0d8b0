package org.containerj.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.containerj.itests.support.BusyboxImage;
import org.containerj.itests.support.CommandResult;
import org.containerj.itests.support.Daemon;
import org.containerj.itests.support.DaemonExtension;
import org.containerj.itests.support.Exec;
import org.containerj.itests.support.ShellBundles;
import org.containerj.itests.support.TestPluginJar;
import org.containerj.itests.support.Wait;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Snapshotters that come and go while the daemon runs: a third-party snapshotter bundle
 * (examples/snapshotter-example, not in the distribution) dropped into {@code deploy/} and
 * removed again, and the overlayfs snapshotter's bundle stopped under a running container
 * and started again. Uses the shell's snapshot commands to see what the daemon holds.
 */
@ExtendWith(DaemonExtension.class)
class SnapshotterHotSwapIT {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final String SNAPSHOTTER = "io.containerd.snapshotter.v1";
    private static final String OVERLAY_BSN = "org.containerj.snapshot-overlay";

    private Daemon daemon;

    @BeforeEach
    void setUp(Daemon daemon) {
        this.daemon = daemon;
        daemon.awaitPlugin("io.containerd.grpc.v1", "snapshots", "ok", WAIT);
        daemon.awaitPlugin(SNAPSHOTTER, "overlayfs", "ok", WAIT);
    }

    private CommandResult ctr(String ns, String... args) {
        List<String> all = new ArrayList<>(List.of("-n", ns));
        all.addAll(List.of(args));
        return daemon.ctr(all.toArray(String[]::new));
    }

    private static Path exampleJar() {
        Path jar = Path.of(System.getProperty("containerj.examples.snapshotter",
                "../examples/snapshotter-example/target/snapshotter-example-0.1.0-SNAPSHOT.jar"));
        assertTrue(Files.isRegularFile(jar), jar + " missing: build examples/snapshotter-example first");
        return jar;
    }

    interface Body {
        void run(Path root) throws IOException;
    }

    /** Mounts {@code key} as ctr prints its mounts, runs the body, unmounts. */
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

    @Test
    void aThirdPartySnapshotterDroppedIntoDeployServesCtrAndLeavesWithItsJar() throws IOException {
        String ns = "hotswap-example";
        Path jar = daemon.deployDir().resolve("itest-snapshotter-example.jar");
        try {
            TestPluginJar.write(Files.readAllBytes(exampleJar()), jar);
            daemon.awaitPlugin(SNAPSHOTTER, "example", "ok", WAIT);
            Wait.until(WAIT, () -> ctr(ns, "snapshots", "--snapshotter", "example", "ls").ok(),
                    () -> "the example snapshotter to answer: " + ctr(ns, "snapshots", "--snapshotter", "example", "ls"));

            ctr(ns, "snapshots", "--snapshotter", "example", "prepare", "base-active").assertOk();
            mounted(ns, "example", "base-active", root -> {
                Files.writeString(root.resolve("greeting"), "hello from a third-party snapshotter\n");
                Files.createSymbolicLink(root.resolve("link"), Path.of("greeting"));
            });
            ctr(ns, "snapshots", "--snapshotter", "example", "commit", "base", "base-active").assertOk();
            ctr(ns, "snapshots", "--snapshotter", "example", "prepare", "child", "base").assertOk();
            mounted(ns, "example", "child", root -> {
                assertEquals("hello from a third-party snapshotter\n", Files.readString(root.resolve("greeting")));
                assertEquals("greeting", Files.readSymbolicLink(root.resolve("link")).toString());
                Files.writeString(root.resolve("greeting"), "changed in the child\n");
            });
            String mounts = ctr(ns, "snapshots", "--snapshotter", "example", "mounts", "/mnt", "child").assertOk().stdout();
            assertTrue(mounts.contains("mount -t bind") && mounts.contains("io.containerd.snapshotter.v1.example"), mounts);
            String ls = ctr(ns, "snapshots", "--snapshotter", "example", "ls").assertOk().stdout();
            assertTrue(ls.lines().anyMatch(l -> l.matches("base\\s+Committed\\s*")), ls);
            assertTrue(ls.lines().anyMatch(l -> l.matches("child\\s+base\\s+Active\\s*")), ls);
            ctr(ns, "snapshots", "--snapshotter", "example", "rm", "base")
                    .assertFailedWith("FailedPrecondition", "failed precondition");
            // the parent is untouched by the child's write
            mounted(ns, "example", "child", root -> assertEquals("changed in the child\n",
                    Files.readString(root.resolve("greeting"))));
            ctr(ns, "snapshots", "--snapshotter", "example", "view", "base-view", "base").assertOk();
            mounted(ns, "example", "base-view", root -> assertEquals("hello from a third-party snapshotter\n",
                    Files.readString(root.resolve("greeting"))));

            // the shell sees them too
            String listed = daemon.shell("snapshots example " + ns).assertOk().stdout();
            assertTrue(listed.lines().anyMatch(l -> l.matches("example\\s+" + ns + "\\s+child\\s+base\\s+Active\\s*")),
                    listed);
            String info = daemon.shell("snapshot-info example " + ns + " child").assertOk().stdout();
            assertTrue(info.contains("kind:    Active") && info.contains("mount:   bind "), info);

            ctr(ns, "snapshots", "--snapshotter", "example", "rm", "child", "base-view").assertOk();

            // taken out of deploy/: gone from the plugin list, its calls UNAVAILABLE naming it
            Files.delete(jar);
            daemon.awaitNoPlugin(SNAPSHOTTER, "example", WAIT);
            for (String[] call : List.of(new String[] {"ls"}, new String[] {"prepare", "again"},
                    new String[] {"info", "base"}, new String[] {"rm", "base"})) {
                List<String> args = new ArrayList<>(List.of("snapshots", "--snapshotter", "example"));
                args.addAll(List.of(call));
                CommandResult r = ctr(ns, args.toArray(String[]::new)).assertFailedWith("Unavailable", "unavailable");
                assertTrue(r.stderr().contains("io.containerd.snapshotter.v1.example"), r::toString);
            }
            CommandResult shellGone = daemon.shell("snapshots example " + ns);
            assertTrue(shellGone.stdout().contains("io.containerd.snapshotter.v1.example is not available"),
                    shellGone::toString);

            // dropped in again: what it held is there again
            TestPluginJar.write(Files.readAllBytes(exampleJar()), jar);
            daemon.awaitPlugin(SNAPSHOTTER, "example", "ok", WAIT);
            Wait.until(WAIT, () -> ctr(ns, "snapshots", "--snapshotter", "example", "ls").ok(), "example answers again");
            assertTrue(ctr(ns, "snapshots", "--snapshotter", "example", "info", "base").assertOk().stdout()
                    .contains("Committed"));
            ctr(ns, "snapshots", "--snapshotter", "example", "rm", "base").assertOk();
            assertEquals(List.of(), ctr(ns, "snapshots", "--snapshotter", "example", "ls").assertOk().stdout().lines()
                    .skip(1).filter(l -> !l.isBlank()).toList());
        } finally {
            Files.deleteIfExists(jar);
            daemon.awaitNoPlugin(SNAPSHOTTER, "example", WAIT);
            daemon.ctr("namespaces", "rm", ns);
        }
    }

    /** The {@code ctr task ls} row of {@code id} ("" when there is none). */
    private String taskLine(String ns, String id) {
        return ctr(ns, "tasks", "ls").assertOk().stdout().lines().filter(l -> l.startsWith(id + " ")).findFirst()
                .orElse("");
    }

    @Test
    void stoppingTheOverlayBundleLeavesRunningContainersAloneAndStartingItFindsEverySnapshot() throws IOException {
        String ns = "hotswap-overlay";
        String id = "hotswap-sleeper";
        String image = "registry.local/hotswap/busybox:1";
        ShellBundles bundles = new ShellBundles(daemon);
        boolean stopped = false;
        try {
            Path archive = BusyboxImage.single().write(Files.createTempFile(daemon.scratch(), "busybox", ".tar"), image);
            ctr(ns, "images", "import", archive.toString()).assertOk();
            Files.delete(archive);
            ctr(ns, "run", "-d", image, id, "sleep", "1000").assertOk();
            assertTrue(taskLine(ns, id).contains("RUNNING"), taskLine(ns, id));
            ctr(ns, "snapshots", "prepare", "extra-active").assertOk();
            ctr(ns, "snapshots", "commit", "extra", "extra-active").assertOk();
            List<String> before = ctr(ns, "snapshots", "ls").assertOk().stdout().lines().sorted().toList();
            assertTrue(before.stream().anyMatch(l -> l.startsWith(id + " ") && l.contains("Active")), before::toString);
            String shellBefore = daemon.shell("snapshots overlayfs " + ns).assertOk().stdout();
            assertTrue(shellBefore.lines().anyMatch(l -> l.matches("overlayfs\\s+" + ns + "\\s+" + id + "\\s+\\S+\\s+Active\\s*")),
                    shellBefore);

            bundles.stop(OVERLAY_BSN);
            stopped = true;
            daemon.awaitNoPlugin(SNAPSHOTTER, "overlayfs", WAIT);
            for (String[] call : List.of(new String[] {"ls"}, new String[] {"prepare", "more"},
                    new String[] {"mounts", "/mnt", id}, new String[] {"usage", "extra"})) {
                List<String> args = new ArrayList<>(List.of("snapshots", "--snapshotter", "overlayfs"));
                args.addAll(List.of(call));
                CommandResult r = ctr(ns, args.toArray(String[]::new)).assertFailedWith("Unavailable", "unavailable");
                assertTrue(r.stderr().contains("io.containerd.snapshotter.v1.overlayfs"), r::toString);
            }
            CommandResult shellGone = daemon.shell("snapshot-info overlayfs " + ns + " " + id);
            assertTrue(shellGone.stdout().contains("io.containerd.snapshotter.v1.overlayfs is not available"),
                    shellGone::toString);

            // the container runs on mounts the snapshotter made, and does not need it
            assertTrue(taskLine(ns, id).contains("RUNNING"), taskLine(ns, id));
            CommandResult exec = ctr(ns, "tasks", "exec", "--exec-id", "still-there", id, "sh", "-c",
                    "echo alive > /tmp/proof && cat /tmp/proof && ls /bin/busybox");
            assertEquals(0, exec.exitCode(), exec::toString);
            assertEquals("alive\n/bin/busybox", exec.stdout().strip(), exec::toString);

            bundles.start(OVERLAY_BSN);
            stopped = false;
            daemon.awaitPlugin(SNAPSHOTTER, "overlayfs", "ok", WAIT);
            Wait.until(WAIT, () -> ctr(ns, "snapshots", "ls").ok(), "overlayfs answers again");
            assertEquals(before, ctr(ns, "snapshots", "ls").assertOk().stdout().lines().sorted().toList());
            String info = daemon.shell("snapshot-info overlayfs " + ns + " " + id).assertOk().stdout();
            assertTrue(info.contains("kind:    Active") && info.contains("mount:   overlay overlay ")
                    && info.contains("upperdir="), info);
            // what the container wrote is in its snapshot's upper directory
            CommandResult again = ctr(ns, "tasks", "exec", "--exec-id", "after", id, "cat", "/tmp/proof");
            assertEquals("alive", again.stdout().strip(), again::toString);
        } finally {
            if (stopped) {
                bundles.ensureStarted(OVERLAY_BSN);
                daemon.awaitPlugin(SNAPSHOTTER, "overlayfs", "ok", WAIT);
            }
            ctr(ns, "tasks", "kill", "-s", "SIGKILL", id);
            try {
                Wait.until(Duration.ofSeconds(10), () -> !taskLine(ns, id).contains("RUNNING"), "task stopped");
            } catch (AssertionError e) {
                // removed forcibly below
            }
            ctr(ns, "tasks", "rm", "-f", id);
            ctr(ns, "containers", "rm", id);
            ctr(ns, "snapshots", "rm", "extra");
            ctr(ns, "images", "rm", "--sync", image);
            removeNamespace(ns);
        }
    }

    /** Waits (bounded) for garbage collection to empty {@code ns}, removes it and the cgroup level ctr made for it. */
    private void removeNamespace(String ns) {
        try {
            Wait.until(WAIT, () -> ctr(ns, "content", "ls", "-q").stdout().isBlank()
                    && ctr(ns, "snapshots", "ls").stdout().lines().skip(1).allMatch(String::isBlank), "ns collected");
        } catch (AssertionError e) {
            // namespaces rm below then reports what is left
        }
        daemon.ctr("namespaces", "rm", ns);
        List<Path> dirs = new ArrayList<>(List.of(Path.of("/sys/fs/cgroup", ns)));
        try (var hierarchies = Files.list(Path.of("/sys/fs/cgroup"))) {
            hierarchies.filter(Files::isDirectory).forEach(h -> dirs.add(h.resolve(ns)));
        } catch (IOException e) {
            return;
        }
        for (Path d : dirs) {
            try {
                Files.deleteIfExists(d);
            } catch (IOException inUse) {
                // a cgroup still in use stays
            }
        }
    }
}
