package org.containerj.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.containerj.itests.support.BusyboxImage;
import org.containerj.itests.support.CommandResult;
import org.containerj.itests.support.Daemon;
import org.containerj.itests.support.DaemonExtension;
import org.containerj.itests.support.Registry;
import org.containerj.itests.support.RegistryExtension;
import org.containerj.itests.support.Terminal;
import org.containerj.itests.support.Wait;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Terminals and log URIs end to end with Debian's ctr: {@code ctr run -t} and
 * {@code ctr task exec -t} on a real pseudo-terminal (output, input, Ctrl-C and window size
 * reach the container), {@code ctr run --log-uri} with {@code file://}, a bare path and a
 * {@code binary://} logging program, and a terminal task that outlives a SIGKILL of the
 * daemon: {@code ctr task attach} gets what it printed meanwhile, and its exit code.
 */
@ExtendWith({DaemonExtension.class, RegistryExtension.class})
class TtyIT {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private Daemon daemon;
    private Registry registry;
    private final List<Terminal> terminals = new ArrayList<>();

    @BeforeEach
    void setUp(Daemon daemon, Registry registry) {
        this.daemon = daemon;
        this.registry = registry;
        daemon.awaitPlugin("io.containerd.grpc.v1", "images", "ok", WAIT);
        daemon.awaitPlugin("io.containerd.snapshotter.v1", "overlayfs", "ok", WAIT);
        daemon.awaitPlugin("io.containerd.runtime.v2", "task", "ok", WAIT);
        daemon.awaitPlugin("io.containerd.grpc.v1", "tasks", "ok", WAIT);
    }

    private CommandResult ctr(String ns, String... args) {
        List<String> all = new ArrayList<>(List.of("-n", ns));
        all.addAll(List.of(args));
        return daemon.ctr(all.toArray(String[]::new));
    }

    private Terminal terminal(int rows, int columns, String ns, String... ctrArgs) {
        List<String> all = new ArrayList<>(List.of("-n", ns));
        all.addAll(List.of(ctrArgs));
        Terminal t = Terminal.start(rows, columns, daemon.ctrCommand(all.toArray(String[]::new)));
        terminals.add(t);
        return t;
    }

    /** Pushes the busybox image to the registry (through a scratch namespace) and pulls it into {@code ns}. */
    private String pullBusybox(String ns, String name) throws IOException {
        String remote = registry.host() + "/itest/" + name + ":1";
        String scratchNs = ns + "-push";
        String base = "registry.local/tty-it/src";
        String tag = Long.toString(System.nanoTime());
        Path archive = BusyboxImage.single().write(Files.createTempFile(daemon.scratch(), "busybox", ".tar"), tag);
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

    private String taskLine(String ns, String id) {
        return ctr(ns, "tasks", "ls").stdout().lines().filter(l -> l.startsWith(id + " ")).findFirst().orElse("");
    }

    /** Ends the terminals, kills and deletes the tasks, removes the containers, the image and the namespaces. */
    private void cleanUp(String ns, String image, String... containers) {
        terminals.forEach(Terminal::close);
        terminals.clear();
        daemon.ensureRunning();
        for (String id : containers) {
            ctr(ns, "tasks", "kill", "-s", "SIGKILL", id);
            try {
                Wait.until(Duration.ofSeconds(10), () -> !taskLine(ns, id).contains("RUNNING"), "task " + id
                        + " stopped");
            } catch (AssertionError e) {
                // removed below with -f
            }
            ctr(ns, "tasks", "rm", "-f", id);
            ctr(ns, "containers", "rm", id);
        }
        if (image != null) {
            ctr(ns, "images", "rm", "--sync", image);
        }
        try {
            Wait.until(Duration.ofSeconds(20), () -> ctr(ns, "content", "ls", "-q").stdout().isBlank()
                    && ctr(ns + "-push", "content", "ls", "-q").stdout().isBlank(), "content collected");
        } catch (AssertionError e) {
            // leave the namespaces
        }
        daemon.ctr("namespaces", "rm", ns);
        daemon.ctr("namespaces", "rm", ns + "-push");
        removeNamespaceCgroups(ns);
    }

    private static void removeNamespaceCgroups(String ns) {
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

    /** Types {@code command} until the terminal shows {@code expected} after it (the size may land a moment late). */
    private static void typeUntil(Terminal t, String command, String expected) {
        Wait.until(WAIT, () -> {
            int from = t.output().length();
            t.type(command);
            try {
                t.await(expected, from, Duration.ofSeconds(2));
                return true;
            } catch (AssertionError notYet) {
                return false;
            }
        }, () -> "\"" + expected + "\" after typing " + command + "; the terminal shows:\n" + t.output());
    }

    @Test
    void ctrRunWithATerminal() throws IOException {
        String ns = "tty-it-run";
        String id = "tty-run";
        String image = null;
        try {
            image = pullBusybox(ns, "busybox-tty");
            Terminal t = terminal(30, 100, ns, "run", "-t", "--rm", image, id, "sh");
            t.await("/ # ", WAIT);
            t.type("echo hi-$((6*7))\r");
            t.await("hi-42", WAIT); // input reached the shell, its output came back through the pty

            // ctr passed its terminal's size on at start
            typeUntil(t, "busybox stty size\r", "30 100");

            // resizing the window: SIGWINCH to ctr, ResizePty, conmon resizes the pty, SIGWINCH to the shell
            t.type("sh -c \"trap 'busybox stty size' WINCH; echo waiting-$((1+1)); while true; do sleep 0.1; done\"\r");
            t.await("waiting-2", WAIT); // computed, so not the echo of the typed line
            int mark = t.output().length();
            t.resize(40, 120, daemon.scratch());
            t.await("40 120", mark, WAIT);
            t.type("\u0003"); // Ctrl-C through the pty ends the loop
            mark = t.output().length();
            t.type("echo back-$((2+3))\r");
            t.await("back-5", mark, WAIT);

            t.type("exit 3\r");
            assertEquals(3, t.awaitExit(WAIT), t.output());
            assertEquals("", ctr(ns, "containers", "ls", "-q").assertOk().stdout().strip(), "--rm removed it");
        } finally {
            cleanUp(ns, image, id);
        }
    }

    @Test
    void ctrTaskExecWithATerminal() throws IOException {
        String ns = "tty-it-exec";
        String id = "tty-host";
        String image = null;
        Path fifos = null;
        try {
            image = pullBusybox(ns, "busybox-tty-exec");
            ctr(ns, "run", "-d", image, id, "sleep", "1000").assertOk();
            fifos = fifoDir(ns, id);
            Terminal t = terminal(33, 90, ns, "tasks", "exec", "-t", "--exec-id", "e1", id, "sh");
            t.await("/ # ", WAIT);
            typeUntil(t, "busybox stty size\r", "33 90");
            t.type("echo exec-$((2+2))\r");
            t.await("exec-4", WAIT);
            t.type("exit 4\r");
            assertEquals(4, t.awaitExit(WAIT), t.output());
            assertTrue(taskLine(ns, id).contains("RUNNING"), "the task runs on: " + taskLine(ns, id));
        } finally {
            cleanUp(ns, image, id);
            deleteFifoDir(fifos);
        }
    }

    @Test
    void logUrisCaptureTheOutput() throws IOException {
        String ns = "tty-it-logs";
        String image = null;
        Path logs = Files.createDirectories(daemon.scratch().resolve("tty-it-logs"));
        try {
            image = pullBusybox(ns, "busybox-logs");
            Path file = logs.resolve("sub/file.log"); // its directory does not exist yet
            CommandResult run = ctr(ns, "run", "--rm", "--log-uri", "file://" + file, image, "log-file", "sh", "-c",
                    "echo to-out; echo to-err >&2; exit 2");
            assertEquals(2, run.exitCode(), run.toString());
            assertEquals("to-out\nto-err\n", Files.readString(file));

            Path bare = Files.writeString(logs.resolve("bare.log"), "kept\n");
            run = ctr(ns, "run", "--rm", "--log-uri", bare.toString(), image, "log-bare", "sh", "-c", "echo appended");
            assertEquals(0, run.exitCode(), run.toString());
            assertEquals("kept\nappended\n", Files.readString(bare));

            Path program = logs.resolve("logger.sh");
            Files.writeString(program, """
                    #!/bin/sh
                    # containerd's binary logging convention: stdout on fd 3, stderr on fd 4, ready = fd 5 closed
                    # SIGTERM (sent when the task is deleted) must not cut it short: it ends at the end of file
                    trap '' TERM
                    d="$2"
                    echo "id=$CONTAINER_ID ns=$CONTAINER_NAMESPACE args=$*" > "$d/meta"
                    exec 5>&-
                    cat <&3 > "$d/stdout" &
                    cat <&4 > "$d/stderr" &
                    wait
                    echo finished > "$d/finished"
                    """);
            Files.setPosixFilePermissions(program, PosixFilePermissions.fromString("rwxr-xr-x"));
            Path into = Files.createDirectories(logs.resolve("binary"));
            run = ctr(ns, "run", "--rm", "--log-uri", "binary://" + program + "?into=" + into, image, "log-binary",
                    "sh", "-c", "echo bin-out; echo bin-err >&2");
            assertEquals(0, run.exitCode(), run.toString());
            assertEquals("id=log-binary ns=" + ns + " args=into " + into + "\n", Files.readString(into.resolve("meta")));
            Wait.until(WAIT, () -> Files.exists(into.resolve("finished")), "the logging program to end");
            assertEquals("bin-out\n", Files.readString(into.resolve("stdout")));
            assertEquals("bin-err\n", Files.readString(into.resolve("stderr")));

            ctr(ns, "run", "--rm", "--log-uri", "ftp:///nowhere", image, "log-bad", "true")
                    .assertFailedWith("InvalidArgument", "invalid argument");
        } finally {
            cleanUp(ns, image, "log-file", "log-bare", "log-binary", "log-bad");
        }
    }

    /**
     * {@code ctr run -d -t}, a SIGKILL of the daemon, output while it is down, then
     * {@code ctr task attach} after the restart: the replay, input, and the exit code. (No
     * client is attached while the daemon dies: ctr 1.6's {@code task attach} that loses the
     * daemon removes the task's FIFOs on its way out, with containerd as well, and nothing
     * could attach again.)
     */
    @Test
    void aTerminalTaskSurvivesDaemonKill9() throws IOException {
        String ns = "tty-it-restart";
        String id = "tty-restart";
        String image = null;
        Path fifos = null;
        try {
            image = pullBusybox(ns, "busybox-tty-restart");
            Terminal run = terminal(24, 80, ns, "run", "-d", "-t", image, id, "sh", "-c",
                    "echo first-$((1+1)); while [ ! -e /tmp/go ]; do sleep 0.1; done; echo replayed-$(cat /tmp/go);"
                            + " read x; echo got-$x; exit 7");
            assertEquals(0, run.awaitExit(WAIT), run.output());
            fifos = fifoDir(ns, id);
            Path ttyLog = daemon.state().resolve("io.containerd.runtime.v2.task/" + ns + "/" + id + "/tty.log");
            Wait.until(WAIT, () -> Files.readString(ttyLog).contains("first-2"), () -> "first-2 in " + ttyLog);
            String line = taskLine(ns, id);
            assertTrue(line.contains("RUNNING"), line);
            int pid = Integer.parseInt(line.trim().split("\\s+")[1]);

            daemon.kill9();
            assertTrue(Files.isDirectory(Path.of("/proc/" + pid)), "the container outlives the daemon");
            // output while the daemon is down: only conmon's log has it
            Files.writeString(Path.of("/proc/" + pid + "/root/tmp/go"), "42");
            Wait.until(WAIT, () -> Files.readString(ttyLog).contains("replayed-42"),
                    () -> "replayed-42 in " + ttyLog);

            daemon.start();
            daemon.awaitPlugin("io.containerd.runtime.v2", "task", "ok", WAIT);
            daemon.awaitPlugin("io.containerd.grpc.v1", "tasks", "ok", WAIT);
            Terminal attached = terminal(24, 80, ns, "tasks", "attach", id);
            attached.await("replayed-42", WAIT);
            assertTrue(!attached.output().contains("first-2"), "nothing is replayed twice: " + attached.output());
            attached.type("abc\r");
            attached.await("got-abc", WAIT);
            assertEquals(7, attached.awaitExit(WAIT), attached.output()); // the exit status, through Wait
            // ctr task attach deletes the task once it ended (Tasks.Delete, as with containerd)
            Wait.until(WAIT, () -> taskLine(ns, id).isEmpty(), () -> "task deleted: " + taskLine(ns, id));
            ctr(ns, "containers", "rm", id).assertOk();
        } finally {
            cleanUp(ns, image, id);
            deleteFifoDir(fifos);
        }
    }

    /** The directory of the FIFOs ctr made for a task, from the IO the runtime recorded. */
    private Path fifoDir(String ns, String id) throws IOException {
        String json = Files.readString(daemon.state().resolve("io.containerd.runtime.v2.task/" + ns + "/" + id
                + "/task.json"));
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"stdout\":\"([^\"]+)\"").matcher(json);
        return m.find() ? Path.of(m.group(1)).getParent() : null;
    }

    /** ctr run -d leaves its FIFOs behind (with containerd too); the test removes them. */
    private static void deleteFifoDir(Path dir) throws IOException {
        if (dir == null || !dir.startsWith("/run/containerd/fifo/") || !Files.isDirectory(dir)) {
            return;
        }
        try (var files = Files.list(dir)) {
            for (Path f : files.toList()) {
                Files.deleteIfExists(f);
            }
        }
        Files.deleteIfExists(dir);
    }

    /** A {@code ctr run -t} that loses the daemon: the task runs on, and its exit status is still reported. */
    @Test
    void anAttachedTerminalTaskOutlivesTheDaemonAndItsExitIsReported() throws IOException {
        String ns = "tty-it-lost";
        String id = "tty-lost";
        String image = null;
        try {
            image = pullBusybox(ns, "busybox-tty-lost");
            Terminal t = terminal(24, 80, ns, "run", "-t", image, id, "sh", "-c",
                    "echo up-$((1+1)); while [ ! -e /tmp/go ]; do sleep 0.1; done; exit 9");
            t.await("up-2", WAIT);
            int pid = Integer.parseInt(taskLine(ns, id).trim().split("\\s+")[1]);
            daemon.kill9();
            t.awaitExit(WAIT);
            daemon.start();
            daemon.awaitPlugin("io.containerd.runtime.v2", "task", "ok", WAIT);
            daemon.awaitPlugin("io.containerd.grpc.v1", "tasks", "ok", WAIT);
            Wait.until(WAIT, () -> taskLine(ns, id).contains("RUNNING"), () -> "RUNNING: " + taskLine(ns, id));
            Files.writeString(Path.of("/proc/" + pid + "/root/tmp/go"), "");
            Wait.until(WAIT, () -> taskLine(ns, id).contains("STOPPED"), () -> "STOPPED: " + taskLine(ns, id));
            CommandResult rm = ctr(ns, "tasks", "rm", id).assertOk();
            assertTrue((rm.stdout() + rm.stderr()).contains("non-zero exit code 9"), "exit status 9 reported: " + rm);
            ctr(ns, "containers", "rm", id).assertOk();
        } finally {
            cleanUp(ns, image, id);
        }
    }
}
