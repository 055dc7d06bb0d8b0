package org.containerj.runtime.runc.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import java.util.stream.Collectors;

import org.containerj.api.mount.Mount;
import org.containerj.api.runtime.CreateTaskRequest;
import org.containerj.api.runtime.ExitStatus;
import org.containerj.api.runtime.ProcessIO;
import org.containerj.api.runtime.Task;
import org.containerj.nativeio.LibC;
import org.containerj.nativeio.Stat;
import org.containerj.snapshots.mount.LinuxMounter;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Terminals and log URIs on real containers (root, runc, conmon and a static busybox):
 * a terminal's output and input go through conmon's pty, log, attach socket and control
 * FIFO; a restarted manager replays what the terminal wrote meanwhile; {@code file://},
 * bare file paths and {@code binary://} programs get the output without the daemon.
 */
class RuncTerminalTest {
    private static final Duration WAIT = Duration.ofSeconds(20);

    @TempDir
    Path dir;
    private Path base;
    private Path rootfs;
    private final String namespace = "tty-" + UUID.randomUUID().toString().substring(0, 8);
    private final LinuxMounter mounter = new LinuxMounter();
    private final List<RuncTaskManager> managers = new ArrayList<>();
    private final List<String> ids = new ArrayList<>();
    private final List<AutoCloseable> closeLater = new ArrayList<>();
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
        for (String tool : List.of("sh", "echo", "sleep", "cat", "true", "stty")) {
            Files.createSymbolicLink(bin.resolve(tool), Path.of("busybox"));
        }
        for (String d : List.of("proc", "dev", "tmp", "etc")) {
            Files.createDirectories(rootfs.resolve(d));
        }
    }

    @AfterEach
    void cleanUp() throws Exception {
        for (AutoCloseable c : closeLater) {
            c.close();
        }
        managers.forEach(RuncTaskManager::close);
        Path runcRoot = TaskDir.runcRoot(base, namespace);
        List<String> problems = new ArrayList<>();
        for (String id : ids) {
            TaskDir t = TaskDir.of(base, namespace, id);
            Command.run(List.of("/usr/sbin/runc", "--root", runcRoot.toString(), "delete", "--force", id), WAIT);
            TaskDir.readPid(t.conmonPidFile()).ifPresent(pid -> {
                if (t.conmonAlive()) {
                    problems.add("conmon of " + id + " still ran");
                    ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
                }
            });
            BinaryLogger.running(t.bundle()).ifPresent(h -> {
                problems.add("logging program of " + id + " still ran");
                h.destroyForcibly();
            });
            mounter.unmountAll(t.rootfs());
        }
        readers.shutdownNow();
        assertEquals(List.of(), RuncTaskManager.mountsUnder(dir), "mounts left behind");
        assertEquals(List.of(), problems);
    }

    private RuncTaskManager manager() throws IOException {
        RuncTaskManager m = new RuncTaskManager(base, mounter, RuncTaskManager.Settings.defaults());
        managers.add(m);
        return m;
    }

    private static String argv(String... args) {
        return List.of(args).stream().map(a -> "\"" + a.replace("\\", "\\\\").replace("\"", "\\\"") + "\"")
                .collect(Collectors.joining(","));
    }

    private static String spec(boolean terminal, String... args) {
        return """
                {"ociVersion": "1.0.2",
                 "process": {"terminal": %s, "user": {"uid": 0, "gid": 0}, "args": [%s],
                             "env": ["PATH=/bin", "TERM=dumb"], "cwd": "/"},
                 "root": {"path": "rootfs", "readonly": false},
                 "hostname": "test",
                 "mounts": [{"destination": "/proc", "type": "proc", "source": "proc"},
                            {"destination": "/dev", "type": "tmpfs", "source": "tmpfs",
                             "options": ["nosuid", "strictatime", "mode=755", "size=65536k"]},
                            {"destination": "/dev/pts", "type": "devpts", "source": "devpts",
                             "options": ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"]}],
                 "linux": {"namespaces": [{"type": "pid"}, {"type": "ipc"}, {"type": "uts"},
                                          {"type": "mount"}, {"type": "network"}]}}
                """.formatted(terminal, argv(args));
    }

    private static byte[] process(boolean terminal, String... args) {
        return ("{\"terminal\": " + terminal + ", \"args\": [" + argv(args) + "], \"env\": [\"PATH=/bin\"],"
                + " \"cwd\": \"/\", \"user\": {\"uid\": 0, \"gid\": 0}}").getBytes(StandardCharsets.UTF_8);
    }

    private Task create(RuncTaskManager m, String id, ProcessIO io, String... args) {
        ids.add(id);
        return m.create(new CreateTaskRequest(namespace, id, spec(io.terminal(), args).getBytes(StandardCharsets.UTF_8),
                List.of(new Mount("bind", rootfs.toString(), List.of("rbind", "rw"))), io, "", null, ""));
    }

    private Path fifo(String name) throws Exception {
        Path f = dir.resolve(name);
        LibC.mknod(f, Stat.S_IFIFO | 0600, 0);
        return f;
    }

    private static ExitStatus await(org.containerj.api.runtime.Process p) throws Exception {
        return p.exit().toCompletableFuture().get(WAIT.toSeconds(), TimeUnit.SECONDS);
    }

    private static void awaitThat(BooleanSupplier condition, Supplier<String> what) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what.get());
            }
            Thread.sleep(20);
        }
    }

    /** What a client reading a FIFO sees, until its end of file. */
    private final class Client {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        final CompletableFuture<Void> eof;

        Client(Path fifo) {
            eof = CompletableFuture.runAsync(() -> {
                try (InputStream in = Files.newInputStream(fifo)) {
                    byte[] b = new byte[4096];
                    int n;
                    while ((n = in.read(b)) > 0) {
                        synchronized (bytes) {
                            bytes.write(b, 0, n);
                        }
                    }
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            }, readers);
        }

        String text() {
            synchronized (bytes) {
                return bytes.toString(StandardCharsets.UTF_8);
            }
        }

        void awaitText(String part) throws InterruptedException {
            awaitThat(() -> text().contains(part), () -> "\"" + part + "\" in the terminal output: " + text());
        }

        String awaitEnd() throws Exception {
            eof.get(WAIT.toSeconds(), TimeUnit.SECONDS);
            return text();
        }
    }

    /** A client's write end of a stdin FIFO (the relay holds the FIFO open, so this does not wait). */
    private FileChannel typing(Path fifo) throws IOException {
        FileChannel c = FileChannel.open(fifo, StandardOpenOption.WRITE);
        closeLater.add(c);
        return c;
    }

    private static void type(FileChannel c, String text) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
        while (b.hasRemaining()) {
            c.write(b);
        }
    }

    @Test
    void aTerminalRelaysOutputInputAndItsSize() throws Exception {
        RuncTaskManager m = manager();
        Path in = fifo("in");
        Path out = fifo("out");
        Client client = new Client(out);
        Task t = create(m, "shell", new ProcessIO(in.toString(), out.toString(), "", true), "sh");
        FileChannel keys = typing(in);
        t.start();
        t.resizePty(100, 30);
        type(keys, "stty size; echo sum-$((40+2))\r");
        client.awaitText("30 100");
        client.awaitText("sum-42");
        t.resizePty(81, 25);
        type(keys, "stty size\r");
        client.awaitText("25 81");
        type(keys, "exit 5\r");
        assertEquals(5, await(t).code());
        String all = client.awaitEnd(); // the relay closed the FIFO once the process was gone
        assertTrue(all.contains("\r\n"), "a pty's output: " + all);
        assertEquals(5, t.delete(WAIT).code());
        assertFalse(Files.exists(TaskDir.of(base, namespace, "shell").bundle()));
    }

    @Test
    void aRestartedManagerReattachesAndReplaysWhatTheTerminalWroteMeanwhile() throws Exception {
        RuncTaskManager first = manager();
        Path in = fifo("in");
        Path out = fifo("out");
        Client before = new Client(out);
        Task t = create(first, "survivor", new ProcessIO(in.toString(), out.toString(), "", true), "sh", "-c",
                "echo started; while [ ! -e /tmp/go ]; do sleep 0.1; done; echo replayed-$(cat /tmp/go);"
                        + " read x; echo got-$x; exit 7");
        t.start();
        before.awaitText("started");
        first.close(); // the daemon goes away: the relay lets go of the FIFO, the client reads its end
        assertEquals("started\r\n", before.awaitEnd());

        Files.writeString(rootfs.resolve("tmp/go"), "42");
        Path ttyLog = TaskDir.of(base, namespace, "survivor").bundle().resolve(ConmonStdio.TTY_LOG);
        awaitThat(() -> read(ttyLog).contains("replayed-42"), () -> "output while no manager ran: " + read(ttyLog));

        RuncTaskManager second = manager();
        Client after = new Client(out); // "ctr task attach"
        after.awaitText("replayed-42");
        type(typing(in), "abc\r");
        after.awaitText("got-abc");
        Task found = second.get(namespace, "survivor");
        assertEquals(7, await(found).code());
        String replayed = after.awaitEnd();
        assertFalse(replayed.contains("started"), "nothing is replayed twice: " + replayed);
        assertTrue(replayed.startsWith("replayed-42\r\n"), replayed);
        assertEquals(7, found.delete(WAIT).code());
    }

    private static String read(Path p) {
        try {
            return Files.exists(p) ? Files.readString(p, StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            return "";
        }
    }

    @Test
    void anExecWithATerminal() throws Exception {
        RuncTaskManager m = manager();
        Task host = create(m, "host", new ProcessIO("", "", "", false), "sleep", "1000");
        host.start();
        Path in = fifo("exec-in");
        Path out = fifo("exec-out");
        Client client = new Client(out);
        org.containerj.api.runtime.Process x = host.exec("x1", process(true, "sh"),
                new ProcessIO(in.toString(), out.toString(), "", true));
        x.start();
        x.resizePty(90, 33);
        FileChannel keys = typing(in);
        type(keys, "stty size\r");
        client.awaitText("33 90");
        type(keys, "exit 3\r");
        assertEquals(3, await(x).code());
        client.awaitEnd();
        assertEquals(3, x.delete(WAIT).code());
        host.kill(9, false);
        await(host);
        host.delete(WAIT);
    }

    @Test
    void fileUrisAndBareFilePathsAppendBothStreams() throws Exception {
        RuncTaskManager m = manager();
        Path log = dir.resolve("logs/sub/c1.log"); // its directories do not exist yet
        String uri = "file://" + log;
        Task t = create(m, "filelog", new ProcessIO("", uri, uri, false), "sh", "-c", "echo to-out; echo to-err >&2");
        t.start();
        assertEquals(0, await(t).code());
        assertEquals("to-out\nto-err\n", Files.readString(log));
        assertEquals("rw-r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(log)));
        t.delete(WAIT);

        Path bare = Files.writeString(dir.resolve("bare.log"), "kept\n");
        Task u = create(m, "barelog", new ProcessIO("", bare.toString(), bare.toString(), false), "sh", "-c",
                "echo appended; echo also >&2");
        u.start();
        assertEquals(0, await(u).code());
        assertEquals("kept\nappended\nalso\n", Files.readString(bare));
        u.delete(WAIT);
    }

    /** A logging program in the containerd convention: fds 3 and 4 to files, metadata first, fd 5 closed when ready. */
    private Path logger(Path into) throws IOException {
        Path script = dir.resolve("logger.sh");
        Files.writeString(script, """
                #!/bin/sh
                # args: into <dir>; SIGTERM (sent when the process is deleted) does not cut it short
                trap '' TERM
                d="$2"
                echo "id=$CONTAINER_ID ns=$CONTAINER_NAMESPACE args=$*" > "$d/meta"
                exec 5>&-
                cat <&3 > "$d/stdout" &
                cat <&4 > "$d/stderr" &
                wait
                echo finished > "$d/finished"
                """);
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.createDirectories(into);
        return script;
    }

    @Test
    void aBinaryLoggerGetsTheOutputAlsoWhileTheManagerIsDown() throws Exception {
        Path into = dir.resolve("logged");
        String uri = "binary://" + logger(into) + "?into=" + into;
        RuncTaskManager first = manager();
        Task t = create(first, "binlog", new ProcessIO("", uri, uri, false), "sh", "-c",
                "echo first-out; echo first-err >&2; while [ ! -e /tmp/go ]; do sleep 0.1; done; echo late-out");
        assertEquals("id=binlog ns=" + namespace + " args=into " + into + "\n", Files.readString(into.resolve("meta")),
                "the program was ready before the container was created");
        t.start();
        awaitThat(() -> read(into.resolve("stdout")).contains("first-out"), () -> read(into.resolve("stdout")));
        first.close();

        Files.writeString(rootfs.resolve("tmp/go"), "");
        awaitThat(() -> read(into.resolve("finished")).equals("finished\n"),
                () -> "the program logs and ends without the daemon: " + read(into.resolve("stdout")));
        assertEquals("first-out\nlate-out\n", read(into.resolve("stdout")));
        assertEquals("first-err\n", read(into.resolve("stderr")));

        RuncTaskManager second = manager();
        Task found = second.get(namespace, "binlog");
        assertEquals(0, await(found).code());
        found.delete(WAIT);
    }

    @Test
    void aBinaryLoggerStillRunningAtDeleteIsStopped() throws Exception {
        Path stubborn = dir.resolve("stubborn.sh");
        // ignores its end of file; SIGTERM ends it
        Files.writeString(stubborn, "#!/bin/sh\nexec 5>&- 3<&- 4<&-\nexec sleep 1000\n");
        Files.setPosixFilePermissions(stubborn, PosixFilePermissions.fromString("rwxr-xr-x"));
        RuncTaskManager m = manager();
        Task t = create(m, "stubborn", new ProcessIO("", "binary://" + stubborn, "", false), "true");
        Path bundle = TaskDir.of(base, namespace, "stubborn").bundle();
        assertTrue(BinaryLogger.running(bundle).isPresent());
        ProcessHandle program = BinaryLogger.running(bundle).get();
        assertTrue(program.parent().map(p -> p.pid() != ProcessHandle.current().pid()).orElse(true),
                "the program is not the daemon's child");
        t.start();
        assertEquals(0, await(t).code());
        t.delete(WAIT);
        assertFalse(program.isAlive(), "deleting the task stopped the program");
    }
}
