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
import org.containerj.itests.support.Registry;
import org.containerj.itests.support.RegistryExtension;
import org.containerj.itests.support.Wait;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@code ctr run} end to end with Debian's ctr: a busybox image the test builds is pushed to
 * a local registry and pulled into the daemon, then run on runc under conmon through the
 * Tasks service: output and exit codes reach ctr, a detached task goes through ps, pause,
 * resume, exec, kill and delete, and a running task outlives a SIGKILL of the daemon.
 */
@ExtendWith({DaemonExtension.class, RegistryExtension.class})
class RunIT {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private Daemon daemon;
    private Registry registry;

    @BeforeEach
    void setUp(Daemon daemon, Registry registry) {
        this.daemon = daemon;
        this.registry = registry;
        daemon.awaitPlugin("io.containerd.grpc.v1", "images", "ok", WAIT);
        daemon.awaitPlugin("io.containerd.grpc.v1", "snapshots", "ok", WAIT);
        daemon.awaitPlugin("io.containerd.grpc.v1", "containers", "ok", WAIT);
        daemon.awaitPlugin("io.containerd.snapshotter.v1", "overlayfs", "ok", WAIT);
        daemon.awaitPlugin("io.containerd.runtime.v2", "task", "ok", WAIT);
        daemon.awaitPlugin("io.containerd.grpc.v1", "tasks", "ok", WAIT);
    }

    private CommandResult ctr(String ns, String... args) {
        List<String> all = new ArrayList<>(List.of("-n", ns));
        all.addAll(List.of(args));
        return daemon.ctr(all.toArray(String[]::new));
    }

    /** Pushes the busybox image to the registry (through a scratch namespace) and pulls it into {@code ns}. */
    private String pullBusybox(String ns, String name) throws IOException {
        BusyboxImage image = BusyboxImage.single();
        String remote = registry.host() + "/itest/" + name + ":1";
        String scratchNs = ns + "-push";
        String base = "registry.local/run-it/src";
        String tag = Long.toString(System.nanoTime());
        Path archive = image.write(Files.createTempFile(daemon.scratch(), "busybox", ".tar"), tag);
        try {
            ctr(scratchNs, "images", "import", "--no-unpack", "--base-name", base, archive.toString()).assertOk();
            ctr(scratchNs, "images", "push", "--plain-http", remote, base + ":" + tag).assertOk();
        } finally {
            ctr(scratchNs, "images", "rm", "--sync", base + ":" + tag);
            Files.deleteIfExists(archive);
        }
        CommandResult pulled = ctr(ns, "images", "pull", "--plain-http", remote);
        if (!pulled.ok()) {
            throw new AssertionError("pull failed: " + pulled + "\n" + daemon.logTail(60) + "\n" + registry.log());
        }
        return remote;
    }

    /** Kills and deletes the tasks, removes the containers (and their snapshots) and the image. */
    private void cleanUp(String ns, String image, String... containers) {
        for (String id : containers) {
            ctr(ns, "tasks", "kill", "-s", "SIGKILL", id);
            try {
                Wait.until(Duration.ofSeconds(10), () -> !taskLine(ns, id).contains("RUNNING")
                        && !taskLine(ns, id).contains("PAUSED"), "task " + id + " stopped");
            } catch (AssertionError e) {
                ctr(ns, "tasks", "resume", id);
                ctr(ns, "tasks", "kill", "-s", "SIGKILL", id);
            }
            ctr(ns, "tasks", "rm", "-f", id);
            ctr(ns, "containers", "rm", id);
        }
        if (image != null) {
            ctr(ns, "images", "rm", "--sync", image);
        }
        ctr(ns + "-push", "images", "ls");
        try {
            Wait.until(Duration.ofSeconds(20), () -> ctr(ns, "content", "ls", "-q").stdout().isBlank()
                    && ctr(ns + "-push", "content", "ls", "-q").stdout().isBlank(), "content collected");
        } catch (AssertionError e) {
            // leave the namespaces; what is left is reported by the daemon's own clean-up
        }
        daemon.ctr("namespaces", "rm", ns);
        daemon.ctr("namespaces", "rm", ns + "-push");
        removeNamespaceCgroups(ns);
    }

    /**
     * ctr's spec puts each container in the cgroup {@code /<namespace>/<id>}: runc removes the
     * container's own, the (then empty) namespace level is left, as with containerd.
     */
    private static void removeNamespaceCgroups(String ns) {
        List<Path> dirs = new ArrayList<>(List.of(Path.of("/sys/fs/cgroup", ns)));
        try (var hierarchies = Files.list(Path.of("/sys/fs/cgroup"))) {
            hierarchies.filter(Files::isDirectory).forEach(h -> dirs.add(h.resolve(ns)));
        } catch (IOException e) {
            return;
        }
        for (Path d : dirs) {
            try {
                Files.deleteIfExists(d); // rmdir: only an empty cgroup goes
            } catch (IOException notEmptyOrNotThere) {
                // a cgroup still in use stays
            }
        }
    }

    /** The {@code ctr task ls} row of {@code id} ("" when there is none). */
    private String taskLine(String ns, String id) {
        return ctr(ns, "tasks", "ls").assertOk().stdout().lines().filter(l -> l.startsWith(id + " ")).findFirst()
                .orElse("");
    }

    private String failureContext(String ns) {
        return "\n--- tasks: " + ctr(ns, "tasks", "ls") + "\n--- daemon log:\n" + daemon.logTail(80);
    }

    @Test
    void runPrintsOutputAndPropagatesExitCodes() throws IOException {
        String ns = "run-it-fg";
        String image = null;
        try {
            image = pullBusybox(ns, "busybox-run");
            CommandResult echo = ctr(ns, "run", "--rm", image, "run-echo", "echo", "hello");
            assertEquals(0, echo.exitCode(), echo + failureContext(ns));
            assertEquals("hello", echo.stdout().strip(), echo.toString());

            CommandResult exit3 = ctr(ns, "run", "--rm", image, "run-exit", "sh", "-c", "exit 3");
            assertEquals(3, exit3.exitCode(), exit3 + failureContext(ns));

            // --rm removed the tasks and the containers
            assertEquals("", ctr(ns, "containers", "ls", "-q").assertOk().stdout().strip());
            assertTrue(taskLine(ns, "run-echo").isEmpty() && taskLine(ns, "run-exit").isEmpty());
        } finally {
            cleanUp(ns, image, "run-echo", "run-exit");
        }
    }

    @Test
    void detachedTaskLifecycle() throws IOException {
        String ns = "run-it-bg";
        String image = null;
        String id = "run-bg";
        try {
            image = pullBusybox(ns, "busybox-bg");
            CommandResult run = ctr(ns, "run", "-d", image, id, "sleep", "1000");
            assertEquals(0, run.exitCode(), run + failureContext(ns));

            String line = taskLine(ns, id);
            // TASK PID STATUS
            String[] cols = line.trim().split("\\s+");
            assertEquals(3, cols.length, line);
            assertTrue(Integer.parseInt(cols[1]) > 0, line);
            assertEquals("RUNNING", cols[2], line);
            int pid = Integer.parseInt(cols[1]);
            assertTrue(Files.isDirectory(Path.of("/proc/" + pid)), "pid " + pid + " is alive");

            String ps = ctr(ns, "tasks", "ps", id).assertOk().stdout();
            assertTrue(ps.lines().anyMatch(l -> l.trim().startsWith(pid + " ") || l.trim().equals(pid + "")
                    || l.trim().startsWith(pid + "\t")), ps);

            ctr(ns, "tasks", "pause", id).assertOk();
            assertTrue(taskLine(ns, id).contains("PAUSED"), taskLine(ns, id));
            ctr(ns, "tasks", "resume", id).assertOk();
            assertTrue(taskLine(ns, id).contains("RUNNING"), taskLine(ns, id));

            CommandResult exec = ctr(ns, "tasks", "exec", "--exec-id", "e1", id, "echo", "hi");
            assertEquals(0, exec.exitCode(), exec + failureContext(ns));
            assertEquals("hi", exec.stdout().strip(), exec.toString());
            CommandResult exec7 = ctr(ns, "tasks", "exec", "--exec-id", "e2", id, "sh", "-c", "exit 7");
            assertEquals(7, exec7.exitCode(), exec7 + failureContext(ns));

            // a running task cannot be deleted
            ctr(ns, "tasks", "rm", id).assertFailed();

            ctr(ns, "tasks", "kill", "-s", "SIGKILL", id).assertOk();
            Wait.until(WAIT, () -> taskLine(ns, id).contains("STOPPED"), () -> "STOPPED: " + taskLine(ns, id));
            assertTrue(!Files.isDirectory(Path.of("/proc/" + pid)), "pid " + pid + " is gone");
            CommandResult rm = ctr(ns, "tasks", "rm", id).assertOk();
            assertTrue((rm.stdout() + rm.stderr()).contains("137"), "exit code 137 reported: " + rm);
            assertEquals("", taskLine(ns, id));
            ctr(ns, "containers", "rm", id).assertOk();
        } finally {
            cleanUp(ns, image, id);
        }
    }

    @Test
    void runningTaskSurvivesDaemonKill9() throws IOException {
        String ns = "run-it-restart";
        String image = null;
        String id = "run-restart";
        try {
            image = pullBusybox(ns, "busybox-restart");
            CommandResult run = ctr(ns, "run", "-d", image, id, "sleep", "1000");
            assertEquals(0, run.exitCode(), run + failureContext(ns));
            String before = taskLine(ns, id);
            assertTrue(before.contains("RUNNING"), before);
            int pid = Integer.parseInt(before.trim().split("\\s+")[1]);

            daemon.kill9();
            assertTrue(Files.isDirectory(Path.of("/proc/" + pid)), "the container outlives the daemon");
            daemon.start();
            daemon.awaitPlugin("io.containerd.runtime.v2", "task", "ok", WAIT);
            daemon.awaitPlugin("io.containerd.grpc.v1", "tasks", "ok", WAIT);

            String after = taskLine(ns, id);
            assertTrue(after.contains("RUNNING") && after.contains(" " + pid + " "), before + " / " + after);

            ctr(ns, "tasks", "kill", "-s", "SIGKILL", id).assertOk();
            Wait.until(WAIT, () -> taskLine(ns, id).contains("STOPPED"), () -> "STOPPED: " + taskLine(ns, id));
            CommandResult rm = ctr(ns, "tasks", "rm", id).assertOk();
            assertTrue((rm.stdout() + rm.stderr()).contains("137"), "exit code 137 reported: " + rm);
            ctr(ns, "containers", "rm", id).assertOk();
        } finally {
            daemon.ensureRunning();
            cleanUp(ns, image, id);
        }
    }
}
