package org.containerj.runtime.runc.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import org.containerj.api.errdefs.ContainerjException;
import org.containerj.api.errdefs.ErrorKind;
import org.containerj.api.mount.Mount;
import org.containerj.api.runtime.CreateTaskRequest;
import org.containerj.api.runtime.ExitStatus;
import org.containerj.api.runtime.ProcessIO;
import org.containerj.api.runtime.ProcessStatus;
import org.containerj.api.runtime.Task;
import org.containerj.nativeio.LibC;
import org.containerj.proto.cgroups.v1.Metrics;
import org.containerj.snapshots.mount.LinuxMounter;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Metrics, update, OOM and the exit and OOM events on real containers (root, runc, conmon,
 * busybox-static, a cgroup v1 host with the memory controller): the events go to a recording
 * {@link TaskEvents}, and a "restart" is a new manager on the same state directory.
 */
class RuncTaskOpsTest {
    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final long LIMIT = 32 * 1024 * 1024;

    @TempDir
    Path dir;
    private Path base;
    private Path rootfs;
    private final String namespace = "ro-" + UUID.randomUUID().toString().substring(0, 8);
    private final LinuxMounter mounter = new LinuxMounter();
    private final List<RuncTaskManager> managers = new ArrayList<>();
    private final List<String> ids = new ArrayList<>();
    private final List<String> events = Collections.synchronizedList(new ArrayList<>());
    private volatile boolean publishing = true;

    /** Records events as "exit id/process code" and "oom id"; refuses them while {@code publishing} is off. */
    private final TaskEvents recorder = new TaskEvents() {
        @Override
        public boolean exited(String ns, String containerId, String processId, ExitStatus exit) {
            if (publishing) {
                events.add("exit " + containerId + "/" + processId + " " + exit.code());
            }
            return publishing;
        }

        @Override
        public boolean oom(String ns, String containerId) {
            if (publishing) {
                events.add("oom " + containerId);
            }
            return publishing;
        }
    };

    @BeforeEach
    void setUp() throws IOException {
        assumeTrue(LibC.geteuid() == 0, "containers need root");
        assumeTrue(Files.isExecutable(Path.of("/usr/sbin/runc")), "needs runc");
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/conmon")), "needs conmon");
        assumeTrue(Files.isExecutable(Path.of("/bin/busybox")), "needs busybox-static");
        assumeTrue(CgroupHierarchy.host().isV1() && CgroupHierarchy.host().v1Dir("memory", "/").isPresent(),
                "a cgroup v1 host with the memory controller (the v2 path is covered by TaskCgroupTest)");
        base = dir.resolve("state");
        rootfs = Files.createDirectories(dir.resolve("busybox"));
        Path bin = Files.createDirectories(rootfs.resolve("bin"));
        Files.copy(Path.of("/bin/busybox"), bin.resolve("busybox"));
        for (String tool : List.of("sh", "sleep", "tail", "true")) {
            Files.createSymbolicLink(bin.resolve(tool), Path.of("busybox"));
        }
        for (String d : List.of("proc", "dev", "tmp")) {
            Files.createDirectories(rootfs.resolve(d));
        }
    }

    @AfterEach
    void cleanUp() throws Exception {
        managers.forEach(RuncTaskManager::close);
        Path runcRoot = TaskDir.runcRoot(base, namespace);
        for (String id : ids) {
            TaskDir t = TaskDir.of(base, namespace, id);
            Command.run(List.of("/usr/sbin/runc", "--root", runcRoot.toString(), "delete", "--force", id), WAIT);
            if (t.conmonAlive()) {
                TaskDir.readPid(t.conmonPidFile()).ifPresent(pid -> ProcessHandle.of(pid)
                        .ifPresent(ProcessHandle::destroyForcibly));
            }
            mounter.unmountAll(t.rootfs());
        }
        assertEquals(List.of(), RuncTaskManager.mountsUnder(dir), "mounts left behind");
        for (String id : ids) {
            for (String c : List.of("memory", "pids", "cpu", "cpuacct")) {
                assertFalse(Files.exists(Path.of("/sys/fs/cgroup", c, "containerj", namespace + "-" + id)),
                        "cgroup " + c + " of " + id + " left behind");
            }
        }
    }

    private RuncTaskManager manager() throws IOException {
        RuncTaskManager m = new RuncTaskManager(base, mounter, RuncTaskManager.Settings.defaults(), recorder);
        managers.add(m);
        return m;
    }

    private static String spec(String... args) {
        String argv = List.of(args).stream().map(a -> "\"" + a.replace("\"", "\\\"") + "\"")
                .collect(Collectors.joining(","));
        return """
                {"ociVersion": "1.0.2",
                 "process": {"user": {"uid": 0, "gid": 0}, "args": [%s], "env": ["PATH=/bin"], "cwd": "/"},
                 "root": {"path": "rootfs"},
                 "mounts": [{"destination": "/proc", "type": "proc", "source": "proc"}],
                 "linux": {"namespaces": [{"type": "pid"}, {"type": "mount"}],
                           "resources": {"memory": {"limit": %d}}}}
                """.formatted(argv, LIMIT);
    }

    private Task start(RuncTaskManager m, String id, String... args) {
        ids.add(id);
        Task t = m.create(new CreateTaskRequest(namespace, id, spec(args).getBytes(StandardCharsets.UTF_8),
                List.of(new Mount("bind", rootfs.toString(), List.of("rbind", "rw"))),
                new ProcessIO("", "", "", false), "", null, ""));
        t.start();
        return t;
    }

    private static ExitStatus await(org.containerj.api.runtime.Process p) throws Exception {
        return p.exit().toCompletableFuture().get(WAIT.toSeconds(), TimeUnit.SECONDS);
    }

    private Path memoryCgroup(String id) {
        return Path.of("/sys/fs/cgroup/memory/containerj", namespace + "-" + id);
    }

    @Test
    void metricsAndUpdateOfARunningTask() throws Exception {
        RuncTaskManager m = manager();
        Task t = start(m, "stats", "sleep", "1000");
        Task.Metrics raw = t.metrics();
        assertEquals("io.containerd.cgroups.v1.Metrics", raw.typeUrl());
        Metrics metrics = Metrics.parseFrom(raw.data());
        assertEquals(LIMIT, metrics.getMemory().getUsage().getLimit());
        assertTrue(metrics.getMemory().getUsage().getUsage() > 0, metrics.toString());
        assertTrue(metrics.getCpu().getUsage().getTotal() > 0, metrics.toString());
        assertEquals(1, metrics.getPids().getCurrent());

        t.update("{\"memory\": {\"limit\": 67108864}, \"cpu\": {\"quota\": 50000, \"period\": 100000}}"
                .getBytes(StandardCharsets.UTF_8));
        assertEquals("67108864", Files.readString(memoryCgroup("stats").resolve("memory.limit_in_bytes")).trim());
        assertEquals(67108864, Metrics.parseFrom(t.metrics().data()).getMemory().getUsage().getLimit());

        ContainerjException bad = assertThrows(ContainerjException.class,
                () -> t.update("{\"memory\": {\"limit\": 67108864}, \"cpu\": {\"cpus\": \"0-999\"}}"
                        .getBytes(StandardCharsets.UTF_8)));
        assertEquals(ErrorKind.INVALID_ARGUMENT, bad.kind(), bad.getMessage());
        ContainerjException tooSmall = assertThrows(ContainerjException.class,
                () -> t.update("{\"memory\": {\"limit\": 4096}}".getBytes(StandardCharsets.UTF_8)));
        assertEquals(ErrorKind.INVALID_ARGUMENT, tooSmall.kind(), "runc's refusal: " + tooSmall.getMessage());
        assertEquals("67108864", Files.readString(memoryCgroup("stats").resolve("memory.limit_in_bytes")).trim(),
                "a refused update changes nothing");

        t.kill(9, false);
        assertEquals(137, await(t).code());
        ContainerjException stopped = assertThrows(ContainerjException.class,
                () -> t.update("{\"memory\": {\"limit\": 67108864}}".getBytes(StandardCharsets.UTF_8)));
        assertEquals(ErrorKind.UNKNOWN, stopped.kind());
        assertEquals("cannot update a stopped container", stopped.getMessage());
        assertEquals(ErrorKind.UNKNOWN, assertThrows(ContainerjException.class, t::pause).kind());
        assertEquals(ErrorKind.UNKNOWN, assertThrows(ContainerjException.class,
                () -> t.exec("x", "{\"args\": [\"true\"], \"cwd\": \"/\"}".getBytes(StandardCharsets.UTF_8),
                        new ProcessIO("", "", "", false))).kind());
        assertEquals(0, Metrics.parseFrom(t.metrics().data()).getPids().getCurrent(),
                "a stopped task's cgroup is there until it is deleted");
        t.delete(WAIT);
        assertEquals(ErrorKind.NOT_FOUND, assertThrows(ContainerjException.class, t::metrics).kind());
        assertEquals(List.of("exit stats/stats 137"), events);
    }

    @Test
    void anOomKillIsToldBeforeTheExitItCaused() throws Exception {
        RuncTaskManager m = manager();
        Task survivor = start(m, "oom-child", "sh", "-c", "tail /dev/zero; sleep 1000");
        // the child is killed, the container lives on: the periodic check finds the OOM
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!events.contains("oom oom-child") && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        assertEquals(List.of("oom oom-child"), events);
        assertEquals(ProcessStatus.RUNNING, survivor.state().status());
        survivor.kill(9, false);
        await(survivor);
        survivor.delete(WAIT);
        events.clear();

        Task t = start(m, "oom-init", "tail", "/dev/zero");
        assertEquals(137, await(t).code());
        assertEquals(List.of("oom oom-init", "exit oom-init/oom-init 137"), events);
        t.delete(WAIT);
    }

    @Test
    void eventsMissedWhileDownAreToldOnceAfterARestart() throws Exception {
        RuncTaskManager first = manager();
        Task told = start(first, "told", "true");
        assertEquals(0, await(told).code());
        Task later = start(first, "later", "sh", "-c", "sleep 1; exit 5");
        first.close(); // the daemon goes away; "later" exits meanwhile
        Path exitFile = TaskDir.of(base, namespace, "later").exitFile();
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!Files.exists(exitFile) && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        assertTrue(Files.exists(exitFile), "conmon recorded the exit while no manager ran");
        assertEquals(List.of("exit told/told 0"), events);

        publishing = false; // started again without an event exchange: nothing can be told yet
        RuncTaskManager second = manager();
        assertEquals(5, await(second.get(namespace, "later")).code());
        assertEquals(List.of("exit told/told 0"), events);
        publishing = true; // the exchange comes up: the periodic check tells what was missed
        second.checkAll();
        assertEquals(List.of("exit told/told 0", "exit later/later 5"), events);
        second.close();

        RuncTaskManager third = manager(); // and a third start tells nothing again
        third.checkAll();
        assertEquals(List.of("exit told/told 0", "exit later/later 5"), events);
        assertEquals(ProcessStatus.STOPPED, third.get(namespace, "later").state().status());
        third.get(namespace, "told").delete(WAIT);
        third.get(namespace, "later").delete(WAIT);
    }

    @Test
    void checkpointWithoutCriuNamesTheCause() throws Exception {
        assumeTrue(Criu.find().isEmpty(), "CRIU is installed");
        RuncTaskManager m = manager();
        Task t = start(m, "cp", "sleep", "1000");
        ContainerjException e = assertThrows(ContainerjException.class,
                () -> t.checkpoint(dir.resolve("image").toString(), false));
        assertEquals(ErrorKind.FAILED_PRECONDITION, e.kind());
        assertTrue(e.getMessage().contains("CRIU"), e.getMessage());
        assertEquals(ProcessStatus.RUNNING, t.state().status());
        t.kill(9, false);
        await(t);
        t.delete(WAIT);
    }
}
