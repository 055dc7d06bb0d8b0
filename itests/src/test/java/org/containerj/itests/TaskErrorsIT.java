package org.containerj.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Bad input gets containerd's status codes (checked against containerd 1.6.20 by hand: ctr
 * prints the errdefs name of the code last) and leaves nothing behind: no container process,
 * no conmon, no mount, no bundle. An invalid spec, a rootfs mount that fails, a runtime
 * configured with a runc that does not exist, an exec into a stopped task, a kill of a task
 * that does not exist.
 */
@ExtendWith({DaemonExtension.class, RegistryExtension.class})
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TaskErrorsIT {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private Daemon daemon;
    private TaskFixture f;
    private String image;

    @BeforeAll
    void pull(Daemon daemon, Registry registry) {
        this.daemon = daemon;
        TaskFixture.awaitRuntime(daemon);
        f = new TaskFixture(daemon, registry, "task-errors-it");
        image = f.pull("busybox-errors", BusyboxImage.single());
    }

    @AfterAll
    void cleanUp() {
        f.cleanUp();
    }

    /** Nothing of the namespace's tasks is left: no bundle, no mount, no conmon. */
    @AfterEach
    void nothingLeft() throws IOException {
        Path runtime = daemon.state().resolve("io.containerd.runtime.v2.task").resolve(f.ns());
        if (Files.isDirectory(runtime)) {
            try (var bundles = Files.list(runtime)) {
                List<String> ids = bundles.map(p -> p.getFileName().toString()).filter(n -> !n.startsWith("."))
                        .filter(n -> !f.ctr("tasks", "ls", "-q").stdout().lines().toList().contains(n)).toList();
                assertEquals(List.of(), ids, "bundles without a task");
            }
        }
        assertEquals(List.of(), TaskFixture.mountsUnder(runtime), "mounts left");
        List<String> monitors = ProcessHandle.allProcesses().map(p -> p.info().commandLine().orElse(""))
                .filter(c -> c.contains("conmon") && c.contains(runtime.toString()))
                .filter(c -> f.ctr("tasks", "ls", "-q").stdout().lines().noneMatch(id -> c.contains(runtime + "/" + id)))
                .toList();
        assertEquals(List.of(), monitors, "conmon of no task");
    }

    @Test
    void invalidSpecIsRuncsUnknownAndLeavesNothing() throws IOException {
        Path spec = daemon.scratch().resolve("bad-spec.json");
        Files.writeString(spec, """
                {"ociVersion": "1.0.2", "process": {"args": ["sh"], "cwd": "relative/dir", "env": ["PATH=/bin"]},
                 "root": {"path": "/nonexistent-root"}}
                """);
        // containerd: "OCI runtime create failed: runc create failed: Cwd must be an absolute path: unknown"
        CommandResult r = f.ctr("run", "--rm", "--config", spec.toString(), "errors-spec");
        r.assertFailedWith("Unknown", ": unknown");
        assertTrue(r.stderr().contains("Cwd must be an absolute path"), r.toString());
        assertEquals("", f.ctr("containers", "ls", "-q").assertOk().stdout().strip(), "ctr --rm removed it");
        assertEquals("", f.taskLine("errors-spec"));
    }

    @Test
    void failingRootfsMountIsUnknownAndLeavesNothing() {
        String id = "errors-mount";
        f.ctr("containers", "create", image, id, "true").assertOk();
        try (TasksClient tasks = new TasksClient(daemon.socket())) {
            // containerd: "failed to mount rootfs component &{nosuchfs none []}: no such device: unknown"
            TasksClient.Reply<?> r = tasks.createWithRootfs(f.ns(), id, "nosuchfs", "none", List.of());
            assertEquals("UNKNOWN", r.code(), r.toString());
            assertTrue(r.message().contains("failed to mount rootfs component"), r.message());
            // containerd: "... &{bind /nonexistent/dir [rbind]}: no such file or directory: unknown"
            r = tasks.createWithRootfs(f.ns(), id, "bind", "/nonexistent/dir", List.of("rbind"));
            assertEquals("UNKNOWN", r.code(), r.toString());
        }
        assertEquals("", f.taskLine(id));
        f.ctr("containers", "rm", id).assertOk();
    }

    @Test
    void execIntoAStoppedTaskIsUnknown() {
        String id = "errors-exec";
        CommandResult run = f.ctr("run", "-d", image, id, "sh", "-c", "exit 4");
        assertEquals(0, run.exitCode(), run + f.context());
        Wait.until(WAIT, () -> f.taskLine(id).contains("STOPPED"), () -> "STOPPED: " + f.taskLine(id));
        // containerd: "cannot exec in a stopped state: unknown"
        CommandResult exec = f.ctr("tasks", "exec", "--exec-id", "late", id, "echo", "hi");
        exec.assertFailedWith("Unknown", "cannot exec in a stopped state: unknown");
        // containerd: "process already finished: not found"
        f.ctr("tasks", "kill", id).assertFailedWith("NotFound", "process already finished: not found");
        // containerd: "cannot pause a stopped container: unknown"
        f.ctr("tasks", "pause", id).assertFailedWith("Unknown", "cannot pause a stopped container: unknown");
        CommandResult rm = f.ctr("tasks", "rm", id).assertOk();
        assertTrue((rm.stdout() + rm.stderr()).contains("exit code 4"), rm.toString());
        f.ctr("containers", "rm", id).assertOk();
    }

    @Test
    void killOfAnUnknownTaskIsNotFound() {
        // containerd: container "nosuch" in namespace "default": not found
        f.ctr("tasks", "kill", "errors-nosuch").assertFailedWith("NotFound", "not found");
        // containerd: no running task found: task c-notask not found: not found
        f.ctr("containers", "create", image, "errors-notask", "true").assertOk();
        CommandResult r = f.ctr("tasks", "kill", "errors-notask");
        r.assertFailedWith("NotFound", "not found");
        assertTrue(r.stderr().contains("no running task found"), r.toString());
        f.ctr("tasks", "metrics", "errors-notask").assertFailedWith("NotFound", "not found");
        f.ctr("containers", "rm", "errors-notask").assertOk();
    }

    @Test
    void aMissingRuncFailsCreationWithUnknownNamingItUntilTheConfigIsRestored() {
        String base = daemon.initialConfig();
        String broken = base + """

                [plugins."io.containerd.runtime.v2.task"]
                  runc_binary = "/nonexistent/runc"
                """;
        try {
            long mark = daemon.logMark();
            daemon.writeConfig(broken);
            Wait.until(WAIT, () -> daemon.logSince(mark).contains("runc binary /nonexistent/runc not found"),
                    () -> "the runtime reconfigured\n" + daemon.logTail(40));
            daemon.awaitPlugin("io.containerd.runtime.v2", "task", "ok", WAIT);
            // containerd: "failed to create shim task: OCI runtime create failed: ... fork/exec
            // /nonexistent/runc: no such file or directory: unknown"
            CommandResult r = f.ctr("run", "--rm", image, "errors-runc", "echo", "ok");
            r.assertFailedWith("Unknown", ": unknown");
            assertTrue(r.stderr().contains("/nonexistent/runc"), r.toString());
            assertEquals("", f.taskLine("errors-runc"));
        } finally {
            long mark = daemon.logMark();
            daemon.writeConfig(base);
            Wait.until(WAIT, () -> daemon.logSince(mark).contains("runc runtime in"),
                    () -> "the runtime reconfigured back\n" + daemon.logTail(40));
        }
        daemon.awaitPlugin("io.containerd.runtime.v2", "task", "ok", WAIT);
        CommandResult[] last = new CommandResult[1];
        Wait.until(WAIT, () -> (last[0] = f.ctr("run", "--rm", image, "errors-runc-back", "echo", "ok")).ok(),
                () -> "runs again: " + last[0] + f.context());
        assertEquals("ok", last[0].stdout().strip());
        assertFalse(f.ctr("containers", "ls", "-q").assertOk().stdout().contains("errors-runc"), "ctr --rm removed them");
    }
}
