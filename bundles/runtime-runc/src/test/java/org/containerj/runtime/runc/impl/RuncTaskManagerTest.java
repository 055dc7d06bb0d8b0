package org.containerj.runtime.runc.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import org.containerj.api.errdefs.ContainerjException;
import org.containerj.api.errdefs.ErrorKind;
import org.containerj.api.mount.Mount;
import org.containerj.api.runtime.CreateTaskRequest;
import org.containerj.api.runtime.ExitStatus;
import org.containerj.api.runtime.ProcessIO;
import org.containerj.api.runtime.ProcessState;
import org.containerj.api.runtime.ProcessStatus;
import org.containerj.api.runtime.Task;
import org.containerj.nativeio.LibC;
import org.containerj.snapshots.mount.LinuxMounter;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real containers on runc and conmon (needs root, runc, conmon and a static busybox):
 * a busybox rootfs is bind-mounted through the host Mounter, output comes back through
 * FIFOs, and "restarting the daemon" is closing a manager and opening another on the
 * same state directory. Every test removes its containers, mounts and cgroups.
 */
class RuncTaskManagerTest {
    private static final Duration WAIT = Duration.ofSeconds(20);

    @TempDir
    Path dir;
    private Path base;
    private Path rootfs;
    private final String namespace = "rt-" + UUID.randomUUID().toString().substring(0, 8);
    private final LinuxMounter mounter = new LinuxMounter();
    private final List<RuncTaskManager> managers = new ArrayList<>();
    private final List<String> ids = new ArrayList<>();
    private final ExecutorService readers = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "test-fifo-reader");
        t.setDaemon(true);
        return t;
    });

    @BeforeEach
    void setUp() throws IOException {
        assumeTrue(LibC.geteuid() == 0, "containers need root");
        assumeTrue(Files.isExecutable(Path.of("/usr/sbin/runc")), "needs runc");
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/conmon")), "needs conmon");
        assumeTrue(Files.isExecutable(Path.of("/bin/busybox")), "needs busybox-static");
        base = dir.resolve("state");
        rootfs = Files.createDirectories(dir.resolve("busybox"));
        Path bin = Files.createDirectories(rootfs.resolve("bin"));
        Files.copy(Path.of("/bin/busybox"), bin.resolve("busybox"));
        for (String tool : List.of("sh", "echo", "sleep", "cat", "true")) {
            Files.createSymbolicLink(bin.resolve(tool), Path.of("busybox"));
        }
        for (String d : List.of("proc", "dev", "tmp", "etc")) {
            Files.createDirectories(rootfs.resolve(d));
        }
    }

    @AfterEach
    void cleanUp() throws Exception {
        List<String> problems = new ArrayList<>();
        managers.forEach(RuncTaskManager::close);
        Path runcRoot = TaskDir.runcRoot(base, namespace);
        for (String id : ids) {
            TaskDir t = TaskDir.of(base, namespace, id);
            Command.run(List.of("/usr/sbin/runc", "--root", runcRoot.toString(), "delete", "--force", id), WAIT);
            TaskDir.readPid(t.conmonPidFile()).ifPresent(pid -> {
                if (t.conmonAlive()) {
                    problems.add("conmon of " + id + " still ran");
                    ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
                }
            });
            try {
                mounter.unmountAll(t.rootfs());
            } catch (RuntimeException e) {
                problems.add(e.toString());
            }
        }
        readers.shutdownNow();
        List<String> mounts = RuncTaskManager.mountsUnder(dir);
        assertEquals(List.of(), mounts, "mounts left behind");
        List<String> cgroups = new ArrayList<>();
        try (var controllers = Files.list(Path.of("/sys/fs/cgroup"))) {
            for (Path c : controllers.collect(Collectors.toList())) {
                Path parent = c.resolve("containerj");
                if (Files.isDirectory(parent)) {
                    try (var children = Files.list(parent)) {
                        children.filter(p -> p.getFileName().toString().startsWith(namespace + "-"))
                                .forEach(p -> cgroups.add(p.toString()));
                    }
                }
            }
        }
        assertEquals(List.of(), cgroups, "cgroups left behind");
        assertEquals(List.of(), problems);
    }

    private RuncTaskManager manager() throws IOException {
        RuncTaskManager m = new RuncTaskManager(base, mounter, RuncTaskManager.Settings.defaults());
        managers.add(m);
        return m;
    }

    static String spec(String rootPath, String... args) {
        String argv = List.of(args).stream().map(a -> "\"" + a.replace("\"", "\\\"") + "\"")
                .collect(Collectors.joining(","));
        return """
                {"ociVersion": "1.0.2",
                 "process": {"terminal": false, "user": {"uid": 0, "gid": 0}, "args": [%s],
                             "env": ["PATH=/bin"], "cwd": "/", "noNewPrivileges": true},
                 "root": {"path": "%s", "readonly": false},
                 "hostname": "test",
                 "mounts": [{"destination": "/proc", "type": "proc", "source": "proc"},
                            {"destination": "/dev", "type": "tmpfs", "source": "tmpfs",
                             "options": ["nosuid", "strictatime", "mode=755", "size=65536k"]}],
                 "linux": {"namespaces": [{"type": "pid"}, {"type": "ipc"}, {"type": "uts"},
                                          {"type": "mount"}, {"type": "network"}]}}
                """.formatted(argv, rootPath);
    }

    /** A task whose rootfs is the busybox tree bind-mounted by the Mounter. */
    private Task create(RuncTaskManager m, String id, ProcessIO io, String... args) {
        ids.add(id);
        return m.create(new CreateTaskRequest(namespace, id, spec("rootfs", args).getBytes(StandardCharsets.UTF_8),
                List.of(new Mount("bind", rootfs.toString(), List.of("rbind", "rw"))), io, "", null, ""));
    }

    /** A task without rootfs mounts: the spec names the busybox tree itself. */
    private Task createUnmounted(RuncTaskManager m, String id, ProcessIO io, String... args) {
        ids.add(id);
        return m.create(new CreateTaskRequest(namespace, id, spec(rootfs.toString(), args)
                .getBytes(StandardCharsets.UTF_8), List.of(), io, "", null, ""));
    }

    private Path fifo(String name) throws Exception {
        Path f = dir.resolve(name);
        assertEquals(0, new ProcessBuilder("mkfifo", f.toString()).start().waitFor());
        return f;
    }

    /** Reads a FIFO to EOF on another thread (the open blocks until the container opens it). */
    private CompletableFuture<String> read(Path fifo) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return new String(Files.readAllBytes(fifo), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
        }, readers);
    }

    private static ExitStatus await(org.containerj.api.runtime.Process t) throws Exception {
        return t.exit().toCompletableFuture().get(WAIT.toSeconds(), TimeUnit.SECONDS);
    }

    private static ProcessIO stdout(Path out) {
        return new ProcessIO("", out.toString(), "", false);
    }

    private static ProcessIO none() {
        return new ProcessIO("", "", "", false);
    }

    @Test
    void echoHelloThroughAFifoOnAMountedRootfs() throws Exception {
        RuncTaskManager m = manager();
        Path out = fifo("out");
        CompletableFuture<String> output = read(out);
        Task t = create(m, "hello", stdout(out), "echo", "hello");
        TaskDir d = TaskDir.of(base, namespace, "hello");
        assertEquals(1, RuncTaskManager.mountsUnder(d.bundle()).size(), "rootfs mounted");
        ProcessState created = t.state();
        assertEquals(ProcessStatus.CREATED, created.status());
        assertTrue(created.pid() > 0);
        assertEquals(out.toString(), created.stdout());
        assertEquals(List.of(t), m.tasks(namespace));
        assertEquals(ErrorKind.ALREADY_EXISTS, assertThrows(ContainerjException.class,
                () -> create(m, "hello", none(), "true")).kind());

        t.start();
        ExitStatus exit = await(t);
        assertEquals(0, exit.code());
        assertEquals(created.pid(), exit.pid());
        assertEquals("hello\n", output.get(WAIT.toSeconds(), TimeUnit.SECONDS));
        assertEquals(ProcessStatus.STOPPED, t.state().status());
        assertEquals(0, t.state().exit().code());
        assertEquals(ErrorKind.NOT_FOUND, assertThrows(ContainerjException.class, () -> t.kill(9, false)).kind());

        assertEquals(exit, t.delete(WAIT));
        assertFalse(Files.exists(d.bundle()), "bundle removed");
        assertFalse(Files.exists(d.exitFile()), "exit file removed");
        assertEquals(List.of(), RuncTaskManager.mountsUnder(dir));
        assertEquals(ErrorKind.NOT_FOUND, assertThrows(ContainerjException.class,
                () -> m.get(namespace, "hello")).kind());
        assertTrue(Files.exists(rootfs.resolve("bin/busybox")), "the rootfs source is untouched");
    }

    @Test
    void exitCodeOfTheInitProcess() throws Exception {
        RuncTaskManager m = manager();
        Task t = createUnmounted(m, "seven", none(), "sh", "-c", "exit 7");
        t.start();
        assertEquals(7, await(t).code());
        assertEquals(7, t.delete(WAIT).code());
    }

    @Test
    void killedBySigkill() throws Exception {
        RuncTaskManager m = manager();
        Task t = create(m, "sleeper", none(), "sleep", "1000");
        t.start();
        ProcessState running = t.state();
        assertEquals(ProcessStatus.RUNNING, running.status());
        assertEquals(List.of(running.pid()), t.pids());
        assertEquals(ErrorKind.FAILED_PRECONDITION, assertThrows(ContainerjException.class,
                () -> t.delete(WAIT)).kind());
        t.pause();
        assertEquals(ProcessStatus.PAUSED, t.state().status());
        t.resume();
        assertEquals(ProcessStatus.RUNNING, t.state().status());
        t.kill(9, false);
        ExitStatus exit = await(t);
        assertEquals(137, exit.code());
        assertEquals(List.of(), t.pids());
        assertEquals(137, t.delete(WAIT).code());
    }

    @Test
    void tasksOutliveTheManagerAndExitsAreFoundLater() throws Exception {
        RuncTaskManager first = manager();
        create(first, "survivor", none(), "sleep", "1000").start();
        Task lateExit = create(first, "late", none(), "sleep", "1000");
        lateExit.start();
        CompletableFuture<ExitStatus> abandoned = lateExit.exit().toCompletableFuture();
        first.close(); // the daemon goes away; the containers do not

        // "late" is killed while no manager runs: only its conmon sees the exit.
        TaskDir late = TaskDir.of(base, namespace, "late");
        Command.Result kill = Command.run(List.of("/usr/sbin/runc", "--root",
                TaskDir.runcRoot(base, namespace).toString(), "kill", "late", "KILL"), WAIT);
        assertEquals(0, kill.exitCode(), kill.message());
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (late.readExit() == null && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertTrue(abandoned.isCompletedExceptionally(), "waiters of a closed manager are released");

        RuncTaskManager second = manager();
        Task survivor = second.get(namespace, "survivor");
        assertEquals(ProcessStatus.RUNNING, survivor.state().status());
        assertNull(survivor.state().exit());
        Task found = second.get(namespace, "late");
        ProcessState lateState = found.state();
        assertEquals(ProcessStatus.STOPPED, lateState.status());
        assertEquals(137, lateState.exit().code());
        assertEquals(137, await(found).code());

        survivor.kill(9, false);
        assertEquals(137, await(survivor).code());
        assertEquals(137, survivor.delete(WAIT).code());
        assertEquals(137, found.delete(WAIT).code());
        assertEquals(List.of(), second.tasks(namespace));
    }

    @Test
    void aCreatedTaskThatNeverStartedCanBeDeleted() throws Exception {
        RuncTaskManager m = manager();
        Task t = create(m, "unstarted", none(), "sleep", "1000");
        assertEquals(ProcessStatus.CREATED, t.state().status());
        ExitStatus exit = t.delete(WAIT);
        assertEquals(137, exit.code());
        assertFalse(Files.exists(TaskDir.of(base, namespace, "unstarted").bundle()));
    }

    @Test
    void failedCreateReportsRuncsErrorAndLeavesNothing() throws Exception {
        RuncTaskManager m = manager();
        ContainerjException e = assertThrows(ContainerjException.class,
                () -> create(m, "broken", none(), "/no/such/program"));
        assertTrue(e.getMessage().contains("/no/such/program"), e.getMessage());
        assertFalse(Files.exists(TaskDir.of(base, namespace, "broken").bundle()));
        assertEquals(List.of(), m.tasks(namespace));
    }

    @Test
    void requestsThatCannotBeServedYet() throws Exception {
        RuncTaskManager m = manager();
        // a terminal in the IO that the spec does not ask for
        assertEquals(ErrorKind.INVALID_ARGUMENT, assertThrows(ContainerjException.class,
                () -> create(m, "tty", new ProcessIO("", "", "", true), "sh")).kind());
        assertEquals(ErrorKind.INVALID_ARGUMENT, assertThrows(ContainerjException.class,
                () -> m.create(new CreateTaskRequest(namespace, "bad", "{not json".getBytes(StandardCharsets.UTF_8),
                        List.of(), none(), "", null, ""))).kind());
        assertEquals(ErrorKind.INVALID_ARGUMENT, assertThrows(ContainerjException.class,
                () -> create(m, "../escape", none(), "true")).kind());
        assertEquals(List.of(), m.tasks(namespace));
    }

    private static byte[] process(String... args) {
        String argv = List.of(args).stream().map(a -> "\"" + a.replace("\"", "\\\"") + "\"")
                .collect(Collectors.joining(","));
        return ("{\"args\": [" + argv + "], \"env\": [\"PATH=/bin\"], \"cwd\": \"/\","
                + " \"user\": {\"uid\": 0, \"gid\": 0}}").getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void execIntoARunningTaskAlsoAcrossARestart() throws Exception {
        RuncTaskManager first = manager();
        Task t = create(first, "host", none(), "sleep", "1000");
        t.start();
        Path out = fifo("exec-out");
        CompletableFuture<String> output = read(out);
        org.containerj.api.runtime.Process e1 = t.exec("e1", process("sh", "-c", "echo from-exec; exit 3"),
                stdout(out));
        assertEquals(ProcessStatus.CREATED, e1.state().status());
        assertEquals(ErrorKind.ALREADY_EXISTS, assertThrows(ContainerjException.class,
                () -> t.exec("e1", process("true"), none())).kind());
        e1.start();
        assertEquals(3, await(e1).code());
        assertEquals("from-exec\n", output.get(WAIT.toSeconds(), TimeUnit.SECONDS));
        assertEquals(ProcessStatus.STOPPED, t.process("e1").state().status());
        assertEquals(3, e1.delete(WAIT).code());
        assertEquals(ErrorKind.NOT_FOUND, assertThrows(ContainerjException.class, () -> t.process("e1")).kind());

        org.containerj.api.runtime.Process e2 = t.exec("e2", process("sleep", "1000"), none());
        e2.start();
        assertEquals(ProcessStatus.RUNNING, e2.state().status());
        assertTrue(t.pids().contains(e2.state().pid()), t.pids() + " has " + e2.state().pid());
        assertEquals(ErrorKind.FAILED_PRECONDITION, assertThrows(ContainerjException.class,
                () -> e2.delete(WAIT)).kind());
        first.close();

        RuncTaskManager second = manager();
        Task again = second.get(namespace, "host");
        org.containerj.api.runtime.Process found = again.process("e2");
        assertEquals(ProcessStatus.RUNNING, found.state().status());
        found.kill(9, false);
        assertEquals(137, await(found).code());
        assertEquals(137, found.delete(WAIT).code());
        again.kill(9, false);
        assertEquals(137, await(again).code());
        again.delete(WAIT);
    }

    @Test
    void aKilledMonitorMeansAnUnknownExitAndAStoppedContainer() throws Exception {
        RuncTaskManager m = manager();
        Task t = create(m, "orphan", none(), "sleep", "1000");
        t.start();
        int conmon = TaskDir.readPid(TaskDir.of(base, namespace, "orphan").conmonPidFile()).getAsInt();
        ProcessHandle.of(conmon).orElseThrow().destroyForcibly();
        assertEquals(RuncTask.UNKNOWN_EXIT, await(t).code());
        assertEquals(ProcessStatus.STOPPED, t.state().status());
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (ProcessHandle.of(t.state().pid()).map(ProcessHandle::isAlive).orElse(false)
                && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertFalse(ProcessHandle.of(t.state().pid()).map(ProcessHandle::isAlive).orElse(false),
                "the orphaned container was stopped");
        assertEquals(RuncTask.UNKNOWN_EXIT, t.delete(WAIT).code());
    }

    @Test
    void aDaemonKilledWithSigkillLosesNeitherTheContainerNorItsExit() throws Exception {
        ids.add("kept");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        java.lang.Process daemon = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                DaemonStandIn.class.getName(), base.toString(), namespace, "kept", rootfs.toString(), "sleep", "1000")
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String line;
        try {
            line = new java.io.BufferedReader(new java.io.InputStreamReader(daemon.getInputStream(),
                    StandardCharsets.UTF_8)).readLine();
        } finally {
            daemon.destroyForcibly(); // SIGKILL
            assertTrue(daemon.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS));
        }
        assertTrue(line != null && line.startsWith("started "), String.valueOf(line));
        int pid = Integer.parseInt(line.substring("started ".length()));
        assertTrue(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "the container survived");

        RuncTaskManager next = manager();
        Task t = next.get(namespace, "kept");
        assertEquals(ProcessStatus.RUNNING, t.state().status());
        assertEquals(pid, t.state().pid());
        t.kill(9, false);
        assertEquals(137, await(t).code());
        assertEquals(137, t.delete(WAIT).code());
    }

    @Test
    void anInterruptedCreationIsUndoneAtTheNextStart() throws Exception {
        TaskDir half = TaskDir.of(base, namespace, "half");
        ids.add("half");
        Files.createDirectories(half.rootfs());
        mounter.mountAll(List.of(new Mount("bind", rootfs.toString(), List.of("rbind"))), half.rootfs());
        Files.writeString(half.config(), spec("rootfs", "true"));
        RuncTaskManager m = manager();
        assertEquals(List.of(), m.tasks(namespace));
        assertFalse(Files.exists(half.bundle()));
        assertEquals(List.of(), RuncTaskManager.mountsUnder(base));
        assertTrue(Files.exists(rootfs.resolve("bin/busybox")), "the rootfs source is untouched");
    }

    @Test
    void stdinFromAFifoEndsWhenTheClientClosesIt() throws Exception {
        RuncTaskManager m = manager();
        Path in = fifo("in");
        Path out = fifo("cat-out");
        CompletableFuture<String> output = read(out);
        // as ctr does: its write end is open before the task is created (the open waits for the reader)
        CompletableFuture<Void> client = CompletableFuture.runAsync(() -> {
            try (var w = Files.newOutputStream(in)) {
                w.write("ping\n".getBytes(StandardCharsets.UTF_8));
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
        }, readers);
        Task t = create(m, "cat", new ProcessIO(in.toString(), out.toString(), "", false), "cat");
        t.start();
        client.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        t.closeStdin();
        assertEquals(0, await(t).code());
        assertEquals("ping\n", output.get(WAIT.toSeconds(), TimeUnit.SECONDS));
        t.delete(WAIT);
    }

    /**
     * ctr with stdin at EOF ({@code </dev/null}) opens, writes nothing to and closes its stdin
     * FIFO before Tasks.Create: no writer is left when conmon's shell opens it. Creation must
     * not wait for one, and the container sees EOF.
     */
    @Test
    void stdinFifoWithoutAnyWriterLeft() throws Exception {
        RuncTaskManager m = manager();
        Path in = fifo("in-gone");
        Path out = fifo("cat-gone-out");
        CompletableFuture<String> output = read(out);
        Task t = create(m, "cat-gone", new ProcessIO(in.toString(), out.toString(), "", false), "cat");
        t.start();
        assertEquals(0, await(t).code());
        assertEquals("", output.get(WAIT.toSeconds(), TimeUnit.SECONDS));
        t.delete(WAIT);
        Task p = create(m, "cat-gone2", none(), "sleep", "100");
        p.start();
        Path execIn = fifo("exec-in-gone");
        Path execOut = fifo("exec-out-gone");
        CompletableFuture<String> execOutput = read(execOut);
        org.containerj.api.runtime.Process x = p.exec("x1", """
                {"terminal": false, "user": {"uid": 0, "gid": 0}, "args": ["cat"], "env": ["PATH=/bin"], "cwd": "/"}
                """.getBytes(StandardCharsets.UTF_8), new ProcessIO(execIn.toString(), execOut.toString(), "", false));
        x.start();
        assertEquals(0, await(x).code());
        assertEquals("", execOutput.get(WAIT.toSeconds(), TimeUnit.SECONDS));
        x.delete(WAIT);
        p.kill(9, false);
        await(p);
        p.delete(WAIT);
    }
}
