package org.containerj.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.containerj.itests.support.BusyboxImage;
import org.containerj.itests.support.CommandResult;
import org.containerj.itests.support.Daemon;
import org.containerj.itests.support.DaemonExtension;
import org.containerj.itests.support.Registry;
import org.containerj.itests.support.RegistryExtension;
import org.containerj.itests.support.TaskFixture;
import org.containerj.itests.support.TasksClient;
import org.containerj.itests.support.Wait;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A detached task through its life: metrics (ctr's table and JSON), update (over gRPC: ctr
 * 1.6 has no update command), list filters, pause, checkpoint without CRIU, kill, delete,
 * and its container through ls, info, label and rm; {@code /tasks/oom} when a container
 * hits its memory limit; the administration shell's task commands.
 */
@ExtendWith({DaemonExtension.class, RegistryExtension.class})
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TaskOpsIT {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private Daemon daemon;
    private TaskFixture f;
    private String image;

    @BeforeAll
    void pull(Daemon daemon, Registry registry) {
        this.daemon = daemon;
        TaskFixture.awaitRuntime(daemon);
        f = new TaskFixture(daemon, registry, "task-ops-it");
        image = f.pull("busybox-ops", BusyboxImage.single());
    }

    @AfterAll
    void cleanUp() {
        f.cleanUp();
    }

    private Path memoryLimitFile(String id) {
        return Path.of("/sys/fs/cgroup/memory", f.ns(), id, "memory.limit_in_bytes");
    }

    private static boolean row(String table, String metric, String value) {
        return table.lines().anyMatch(l -> l.matches(java.util.regex.Pattern.quote(metric) + "\\s+"
                + java.util.regex.Pattern.quote(value) + "\\s*"));
    }

    @Test
    void detachedTaskMetricsUpdateCheckpointKillAndDelete() throws IOException {
        String id = "ops-main";
        CommandResult run = f.ctr("run", "-d", "--memory-limit", "33554432", "--label", "team=a", image, id,
                "sleep", "1000");
        assertEquals(0, run.exitCode(), run + f.context());

        String table = f.ctr("tasks", "metrics", id).assertOk().stdout();
        assertTrue(row(table, "memory.limit_in_bytes", "33554432"), table);
        assertTrue(row(table, "pids.current", "1"), table);
        assertTrue(table.lines().anyMatch(l -> l.matches("cpuacct\\.usage\\s+[1-9][0-9]*\\s*")), table);
        String json = f.ctr("tasks", "metrics", "--format", "json", id).assertOk().stdout();
        assertTrue(json.contains("\"limit\": 33554432") && json.contains("\"hierarchical_memory_limit\": 33554432")
                && json.contains("\"per_cpu\""), json);

        try (TasksClient tasks = new TasksClient(daemon.socket())) {
            // update: applied to the cgroup, and shown by metrics
            assertEquals("OK", tasks.update(f.ns(), id, "{\"memory\": {\"limit\": 67108864}}").code());
            assertEquals("67108864", Files.readString(memoryLimitFile(id)).strip());
            assertTrue(row(f.ctr("tasks", "metrics", id).assertOk().stdout(), "memory.limit_in_bytes", "67108864"));
            // bad values: INVALID_ARGUMENT naming the field, nothing changed (containerd: UNKNOWN with runc's text)
            for (String bad : List.of("{\"memory\": {\"limit\": \"abc\"}}", "not json",
                    "{\"memory\": {\"limit\": 1000000}, \"cpu\": {\"cpus\": \"0-999\"}}", "{\"cpu\": {\"shares\": 1}}",
                    "{\"memory\": {\"limit\": -5}}", "{\"memory\": {\"limit\": 4096}}")) {
                TasksClient.Reply<?> r = tasks.update(f.ns(), id, bad);
                assertEquals("INVALID_ARGUMENT", r.code(), bad + ": " + r);
            }
            assertEquals("INVALID_ARGUMENT", tasks.update(f.ns(), id, null).code(), "no resources at all");
            assertEquals("67108864", Files.readString(memoryLimitFile(id)).strip());
            assertEquals("NOT_FOUND", tasks.update(f.ns(), "no-such-task", "{}").code());

            // list filters (containerd ignores them; an empty one lists everything)
            assertEquals(List.of(id), tasks.list(f.ns(), "id==" + id).value());
            assertEquals(List.of(id), tasks.list(f.ns(), "status==running").value());
            assertEquals(List.of(), tasks.list(f.ns(), "status==stopped").value());
            assertEquals(List.of(id), tasks.list(f.ns(), "").value());
            assertEquals("INVALID_ARGUMENT", tasks.list(f.ns(), "id==\"unterminated").code());

            // checkpoint: CRIU is not installed; ctr pauses first and resumes after the failure
            CommandResult cp = f.ctr("tasks", "checkpoint", id);
            cp.assertFailedWith("FailedPrecondition", "failed precondition");
            assertTrue((cp.stdout() + cp.stderr()).contains("CRIU"), cp.toString());
            Wait.until(WAIT, () -> f.taskLine(id).contains("RUNNING"), () -> "resumed: " + f.taskLine(id));

            f.ctr("tasks", "pause", id).assertOk();
            assertTrue(row(f.ctr("tasks", "metrics", id).assertOk().stdout(), "pids.current", "1"), "paused: same");
            f.ctr("tasks", "resume", id).assertOk();

            f.ctr("tasks", "kill", "-s", "SIGKILL", id).assertOk();
            Wait.until(WAIT, () -> f.taskLine(id).contains("STOPPED"), () -> "STOPPED: " + f.taskLine(id));
            TasksClient.Reply<?> stopped = tasks.update(f.ns(), id, "{\"memory\": {\"limit\": 67108864}}");
            assertEquals("UNKNOWN", stopped.code(), "as containerd's shim: " + stopped);
            assertEquals("cannot update a stopped container", stopped.message());
            assertEquals(List.of(id), tasks.list(f.ns(), "status==stopped").value());
            assertEquals(List.of(id), tasks.list(f.ns(), "exit_status==137").value());
        }
        // a stopped task still has its cgroup, and so its metrics, until it is deleted
        assertTrue(row(f.ctr("tasks", "metrics", id).assertOk().stdout(), "pids.current", "0"));

        CommandResult rm = f.ctr("tasks", "rm", id).assertOk();
        assertTrue((rm.stdout() + rm.stderr()).contains("137"), rm.toString());
        f.ctr("tasks", "metrics", id).assertFailedWith("NotFound", "not found");

        // the container outlives its task
        assertEquals(id, f.ctr("containers", "ls", "-q").assertOk().stdout().strip());
        String info = f.ctr("containers", "info", id).assertOk().stdout();
        assertTrue(info.contains("\"ID\": \"" + id + "\"") && info.contains(image) && info.contains("\"team\": \"a\""),
                info);
        f.ctr("containers", "label", id, "team=b", "stage=test").assertOk();
        info = f.ctr("containers", "info", id).assertOk().stdout();
        assertTrue(info.contains("\"team\": \"b\"") && info.contains("\"stage\": \"test\""), info);
        f.ctr("containers", "rm", id).assertOk();
        assertEquals("", f.ctr("containers", "ls", "-q").assertOk().stdout().strip());
        f.ctr("containers", "info", id).assertFailedWith("NotFound", "not found");
    }

    @Test
    void memoryLimitHitPublishesTaskOomBeforeTheExit() throws Exception {
        Path out = daemon.scratch().resolve("oom-events.txt");
        Process events = new ProcessBuilder(daemon.ctrCommand("events")).redirectErrorStream(true)
                .redirectOutput(out.toFile()).start();
        try {
            // subscribed once an event published after the start shows up
            String marker = "task-ops-marker-" + System.nanoTime();
            Wait.until(WAIT, () -> {
                daemon.ctr("namespaces", "create", marker);
                daemon.ctr("namespaces", "rm", marker);
                return Files.readString(out).contains(marker);
            }, () -> "ctr events subscribed: " + read(out));

            CommandResult r = f.ctr("run", "--rm", "--memory-limit", "20000000", image, "ops-oom", "busybox", "tail",
                    "/dev/zero");
            assertEquals(137, r.exitCode(), r + f.context());
            Wait.until(WAIT, () -> Files.readString(out).contains("/tasks/delete"), () -> read(out));
            List<String> lines = Files.readAllLines(out).stream().filter(l -> l.contains("ops-oom")).toList();
            int oom = indexOf(lines, "/tasks/oom {\"container_id\":\"ops-oom\"}");
            int exit = indexOf(lines, "/tasks/exit {\"container_id\":\"ops-oom\"");
            assertTrue(oom >= 0 && exit > oom, "oom, then exit: " + lines);
            assertTrue(lines.get(exit).contains("\"exit_status\":137"), lines.get(exit));
        } finally {
            events.destroyForcibly();
            events.waitFor();
        }
    }

    private static int indexOf(List<String> lines, String text) {
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).contains(text)) {
                return i;
            }
        }
        return -1;
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            return e.toString();
        }
    }

    @Test
    void shellCommandsListKillAndShowMetrics() {
        String id = "ops-shell";
        CommandResult run = f.ctr("run", "-d", "--memory-limit", "33554432", image, id, "sleep", "1000");
        assertEquals(0, run.exitCode(), run + f.context());
        int pid = f.pid(id);

        String tasks = daemon.shell("tasks -n " + f.ns()).assertOk().stdout();
        assertTrue(tasks.lines().anyMatch(l -> l.matches(f.ns() + "\\s+" + id + "\\s+" + pid + "\\s+RUNNING\\s+" + pid
                + "\\s*")), tasks);
        assertTrue(daemon.shell("tasks").assertOk().stdout().contains(id), "every namespace");
        String metrics = daemon.shell("task-metrics -n " + f.ns() + " " + id).assertOk().stdout();
        assertTrue(row(metrics, "memory.limit_in_bytes", "33554432"), metrics);

        daemon.shell("task-kill -n " + f.ns() + " -s KILL " + id).assertOk();
        Wait.until(WAIT, () -> f.taskLine(id).contains("STOPPED"), () -> "STOPPED: " + f.taskLine(id));
        String after = daemon.shell("tasks -n " + f.ns()).assertOk().stdout();
        assertTrue(after.lines().anyMatch(l -> l.matches(f.ns() + "\\s+" + id + "\\s+" + pid + "\\s+STOPPED\\s+137\\s+-")),
                after);
        CommandResult unknown = daemon.shell("task-kill -n " + f.ns() + " no-such-task");
        assertTrue((unknown.stdout() + unknown.stderr()).contains("not found"), unknown.toString());
        f.ctr("tasks", "rm", id).assertOk();
        f.ctr("containers", "rm", id).assertOk();
    }
}
