package org.containerj.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.containerj.itests.support.BusyboxImage;
import org.containerj.itests.support.CommandResult;
import org.containerj.itests.support.Daemon;
import org.containerj.itests.support.DaemonExtension;
import org.containerj.itests.support.Registry;
import org.containerj.itests.support.RegistryExtension;
import org.containerj.itests.support.TaskFixture;
import org.containerj.itests.support.Wait;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The daemon is SIGKILLed under running containers and started again: a container writing a
 * line a second keeps running, its output keeps flowing to a client that attaches again
 * ({@code ctr task attach} reopens the task's FIFOs; conmon hands them to the container in
 * passthrough mode, so nothing of the daemon is in the path), and a later kill gets the
 * right exit status. A container that exits while the daemon is down has its exit status
 * after the restart, and {@code /tasks/exit} is published then (once the runtime comes up).
 */
@ExtendWith({DaemonExtension.class, RegistryExtension.class})
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TaskCrashIT {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final Pattern LINE = Pattern.compile("line (\\d+)");
    private Daemon daemon;
    private TaskFixture f;
    private String image;
    private final List<Process> clients = new ArrayList<>();

    @BeforeAll
    void pull(Daemon daemon, Registry registry) {
        this.daemon = daemon;
        TaskFixture.awaitRuntime(daemon);
        f = new TaskFixture(daemon, registry, "task-crash-it");
        image = f.pull("busybox-crash", BusyboxImage.single());
    }

    @AfterAll
    void cleanUp() throws InterruptedException {
        for (Process p : clients) {
            p.destroyForcibly();
            p.waitFor();
        }
        daemon.writeConfig(daemon.initialConfig());
        f.cleanUp();
    }

    /** A client process of ctr, its output in a file; killed with SIGKILL (ctr attach forwards SIGTERM to the task). */
    private Process client(Path out, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("-n", f.ns()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(daemon.ctrCommand(cmd.toArray(String[]::new))).redirectErrorStream(true)
                .redirectOutput(out.toFile()).start();
        clients.add(p);
        return p;
    }

    private static List<Integer> numbers(Path out) {
        List<Integer> n = new ArrayList<>();
        try {
            Matcher m = LINE.matcher(Files.readString(out));
            while (m.find()) {
                n.add(Integer.parseInt(m.group(1)));
            }
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        return n;
    }

    private void restart() {
        daemon.start();
        TaskFixture.awaitRuntime(daemon);
    }

    @Test
    void aWritingContainerOutlivesSigkillAndKeepsItsOutputAndExitStatus() throws Exception {
        String id = "crash-writer";
        CommandResult run = f.ctr("run", "-d", image, id, "sh", "-c",
                "trap 'exit 3' TERM; i=0; while true; do echo line $i; i=$((i+1)); sleep 1; done");
        assertEquals(0, run.exitCode(), run + f.context());
        int pid = f.pid(id);

        Path before = daemon.scratch().resolve("attach-before.txt");
        Process first = client(before, "tasks", "attach", id);
        Wait.until(WAIT, () -> numbers(before).size() >= 2, () -> "output before the crash: " + numbers(before));
        first.destroyForcibly();
        first.waitFor();
        int lastBefore = numbers(before).get(numbers(before).size() - 1);

        daemon.kill9();
        assertTrue(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "the container outlives the daemon");
        restart();
        String line = f.taskLine(id);
        assertTrue(line.matches(id + "\\s+" + pid + "\\s+RUNNING\\s*"), line);

        Path after = daemon.scratch().resolve("attach-after.txt");
        Process second = client(after, "tasks", "attach", id);
        Wait.until(WAIT, () -> numbers(after).size() >= 3, () -> "output after the restart: " + numbers(after));
        second.destroyForcibly();
        second.waitFor();
        List<Integer> got = numbers(after);
        assertTrue(got.get(0) > lastBefore, "new lines only: " + lastBefore + " then " + got);
        for (int i = 1; i < got.size(); i++) {
            assertEquals(got.get(i - 1) + 1, got.get(i), "no line lost or repeated: " + got);
        }

        f.ctr("tasks", "kill", id).assertOk(); // SIGTERM: the trap exits 3
        Wait.until(WAIT, () -> f.taskLine(id).contains("STOPPED"), () -> "STOPPED: " + f.taskLine(id));
        CommandResult rm = f.ctr("tasks", "rm", id).assertOk();
        assertTrue((rm.stdout() + rm.stderr()).contains("exit code 3"), rm.toString());
        f.ctr("containers", "rm", id).assertOk();
    }

    @Test
    void aContainerThatExitsWhileTheDaemonIsDownHasItsExitAndEventAfterwards() throws Exception {
        String id = "crash-exit";
        Path signal = Files.createDirectories(daemon.scratch().resolve("crash-signal"));
        CommandResult run = f.ctr("run", "-d", "--mount", "type=bind,src=" + signal + ",dst=/sig,options=rbind:ro",
                image, id, "sh", "-c", "while [ ! -e /sig/go ]; do sleep 0.1; done; exit 7");
        assertEquals(0, run.exitCode(), run + f.context());
        int pid = f.pid(id);

        daemon.kill9();
        Files.writeString(signal.resolve("go"), "");
        Wait.until(WAIT, () -> ProcessHandle.of(pid).map(h -> !h.isAlive()).orElse(true), "the container exits");

        // started with the runtime disabled, so that a subscriber is there before it comes up
        String runtime = "io.containerd.runtime.v2.task";
        daemon.writeConfig(daemon.initialConfig().replace("disabled_plugins = []",
                "disabled_plugins = [\"" + runtime + "\"]"));
        daemon.start();
        Path out = daemon.scratch().resolve("crash-events.txt");
        Process events = client(out, "events");
        String marker = "task-crash-marker-" + System.nanoTime();
        Wait.until(WAIT, () -> {
            daemon.ctr("namespaces", "create", marker);
            daemon.ctr("namespaces", "rm", marker);
            return Files.readString(out).contains(marker);
        }, () -> "ctr events subscribed: " + read(out));

        daemon.writeConfig(daemon.initialConfig());
        TaskFixture.awaitRuntime(daemon);
        Wait.until(WAIT, () -> read(out).lines().anyMatch(l -> l.contains("/tasks/exit {\"container_id\":\"" + id + "\"")),
                () -> "/tasks/exit of " + id + " in\n" + read(out));
        String exit = read(out).lines().filter(l -> l.contains("/tasks/exit {\"container_id\":\"" + id + "\""))
                .findFirst().orElseThrow();
        assertTrue(exit.contains("\"exit_status\":7") && exit.contains("\"pid\":" + pid), exit);
        assertEquals(1, read(out).lines().filter(l -> l.contains("/tasks/exit {\"container_id\":\"" + id + "\""))
                .count(), "told once");
        events.destroyForcibly();
        events.waitFor();

        String line = f.taskLine(id);
        assertTrue(line.matches(id + "\\s+" + pid + "\\s+STOPPED\\s*"), line);
        CommandResult rm = f.ctr("tasks", "rm", id).assertOk();
        assertTrue((rm.stdout() + rm.stderr()).contains("exit code 7"), rm.toString());
        f.ctr("containers", "rm", id).assertOk();
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            return e.toString();
        }
    }
}
