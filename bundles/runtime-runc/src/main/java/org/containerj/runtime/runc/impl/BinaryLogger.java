package org.containerj.runtime.runc.impl;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import org.containerj.api.errdefs.ContainerjException;
import org.containerj.api.errdefs.ErrorKind;
import org.containerj.nativeio.ErrnoException;
import org.containerj.nativeio.LibC;
import org.containerj.nativeio.Stat;
import org.tinylog.Logger;

/**
 * A {@code binary://} logging program, started the way containerd's shim starts one: with
 * the URI's query as arguments, only {@code CONTAINER_ID} and {@code CONTAINER_NAMESPACE}
 * in its environment, the process's stdout on descriptor 3, its stderr on 4, and 5 to
 * close (or write to) once it is ready; the container is created only after that.
 *
 * <p>The program must keep logging while the daemon is down, so the daemon is not in the
 * data path and is not its parent: stdout and stderr are the FIFOs {@code logger-stdout}
 * and {@code logger-stderr} in the process's directory, which the program opens for
 * reading and conmon's shell for writing, and a shell starts the program in the
 * background in a session of its own and exits, so that it belongs to init. While the
 * process is being started the daemon holds both FIFOs open read-write ({@link #release}
 * lets go), so that neither side's open waits for the other; afterwards the process holds
 * the only write ends, and the program reads end of file when the process and its conmon
 * are gone. Its pid and start time go to {@code logger.pid}, so that deleting the process
 * can stop a program that is still running (SIGTERM, SIGKILL after 12 s, as containerd)
 * without hitting a reused pid.
 */
final class BinaryLogger implements AutoCloseable {
    static final String STDOUT = "logger-stdout";
    static final String STDERR = "logger-stderr";
    static final String READY = "logger-ready";
    static final String PID = "logger.pid";
    /** How long a logging program may take to exit after SIGTERM (containerd's 12 s). */
    static final Duration TERM_TIMEOUT = Duration.ofSeconds(12);

    /**
     * $1 pid file, $2 stdout FIFO, $3 stderr FIFO, $4 ready FIFO, $5 container id, $6 namespace,
     * then the program and its arguments.
     */
    private static final String SCRIPT = "pidfile=\"$1\" out=\"$2\" err=\"$3\" ready=\"$4\" id=\"$5\" ns=\"$6\";"
            + " shift 6;"
            + " setsid env -i \"CONTAINER_ID=$id\" \"CONTAINER_NAMESPACE=$ns\" \"$@\""
            + " 5>\"$ready\" 3<\"$out\" 4<\"$err\" </dev/null >/dev/null 2>&1 &"
            + " echo $! >\"$pidfile\"";

    private final Path dir;
    private final List<FileChannel> holders;

    private BinaryLogger(Path dir, List<FileChannel> holders) {
        this.dir = dir;
        this.holders = holders;
    }

    Path stdout() {
        return dir.resolve(STDOUT);
    }

    Path stderr() {
        return dir.resolve(STDERR);
    }

    /** INVALID_ARGUMENT unless {@code program} is an executable regular file that env(1) can run. */
    static void check(LogUri.Binary target) {
        Path p = target.program();
        if (!Files.isRegularFile(p) || !Files.isExecutable(p)) {
            throw ContainerjException.invalidArgument("binary log URI: %s is not an executable file", p);
        }
        if (p.toString().contains("=")) {
            throw ContainerjException.invalidArgument("binary log URI: %s: a program path must not contain '='", p);
        }
    }

    /**
     * Starts {@code target} for the process whose directory is {@code dir} and waits (at most
     * {@code timeout}) until it is ready. The returned logger holds the FIFOs open until
     * {@link #release()}.
     */
    static BinaryLogger start(Path dir, String namespace, String containerId, LogUri.Binary target,
            Duration timeout) {
        check(target);
        List<FileChannel> holders = new ArrayList<>();
        BinaryLogger logger = new BinaryLogger(dir, holders);
        boolean ok = false;
        try {
            for (String name : List.of(STDOUT, STDERR, READY)) {
                Path fifo = dir.resolve(name);
                Files.deleteIfExists(fifo);
                LibC.mknod(fifo, Stat.S_IFIFO | 0600, 0);
            }
            holders.add(FileChannel.open(logger.stdout(), StandardOpenOption.READ, StandardOpenOption.WRITE));
            holders.add(FileChannel.open(logger.stderr(), StandardOpenOption.READ, StandardOpenOption.WRITE));
            List<String> argv = new ArrayList<>(List.of("/bin/sh", "-c", SCRIPT, "sh", dir.resolve(PID).toString(),
                    logger.stdout().toString(), logger.stderr().toString(), dir.resolve(READY).toString(), containerId,
                    namespace, target.program().toString()));
            argv.addAll(target.args());
            Path errors = dir.resolve("logger.err");
            ProcessBuilder pb = new ProcessBuilder(argv).directory(dir.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .redirectError(errors.toFile());
            pb.environment().clear();
            pb.environment().put("PATH", Command.PATH.substring("PATH=".length()));
            java.lang.Process sh = pb.start();
            if (!sh.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS) || sh.exitValue() != 0) {
                sh.destroyForcibly();
                throw new ContainerjException(ErrorKind.UNKNOWN, "binary log URI: starting " + target.program()
                        + " failed: " + Files.readString(errors, StandardCharsets.UTF_8).trim());
            }
            recordStartTime(dir.resolve(PID));
            // Ready once the program closed (or wrote to) descriptor 5; head returns at either.
            Command.Result ready = Command.run(List.of("head", "-c", "1", dir.resolve(READY).toString()), timeout);
            if (!ready.ok()) {
                throw new ContainerjException(ErrorKind.UNKNOWN, "binary log URI: waiting for " + target.program()
                        + " to be ready: " + ready.message());
            }
            ok = true;
            return logger;
        } catch (ErrnoException e) {
            throw new ContainerjException(ErrorKind.UNKNOWN, "binary log URI: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new ContainerjException(ErrorKind.UNKNOWN, "binary log URI: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ContainerjException(ErrorKind.CANCELED, "binary log URI: interrupted", e);
        } finally {
            if (!ok) {
                logger.release();
                kill(dir);
            }
        }
    }

    /** Rewrites the pid file as "PID START" (start time in epoch milliseconds), to recognise the process later. */
    private static void recordStartTime(Path pidFile) throws IOException {
        Optional<ProcessHandle> h = TaskDir.readPid(pidFile).stream().boxed().findFirst().flatMap(ProcessHandle::of);
        Optional<Instant> start = h.flatMap(p -> p.info().startInstant());
        String line = h.map(p -> p.pid() + " " + start.map(Instant::toEpochMilli).orElse(0L)).orElse("");
        Files.writeString(pidFile, line + "\n", StandardCharsets.US_ASCII);
    }

    /** Lets go of the FIFOs: from now on only the process writes to the program. */
    void release() {
        for (FileChannel c : holders) {
            try {
                c.close();
            } catch (IOException ignored) {
                // closing a FIFO descriptor does not fail in practice
            }
        }
        holders.clear();
    }

    @Override
    public void close() {
        release();
    }

    /** The logging program of the process in {@code dir} while it still runs (its pid file names it). */
    static Optional<ProcessHandle> running(Path dir) {
        try {
            String[] f = Files.readString(dir.resolve(PID), StandardCharsets.US_ASCII).trim().split(" ");
            if (f.length != 2) {
                return Optional.empty();
            }
            long pid = Long.parseLong(f[0]);
            long start = Long.parseLong(f[1]);
            return ProcessHandle.of(pid).filter(ProcessHandle::isAlive).filter(h -> h.info().startInstant()
                    .map(i -> i.toEpochMilli() == start).orElse(false));
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    /**
     * Stops the logging program of the process in {@code dir}, if it still runs: SIGTERM,
     * then SIGKILL when it has not exited within {@code timeout}.
     */
    static void stop(Path dir, Duration timeout) {
        Optional<ProcessHandle> h = running(dir);
        if (h.isEmpty()) {
            return;
        }
        ProcessHandle p = h.get();
        p.destroy();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (p.isAlive() && System.nanoTime() < deadline) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        if (p.isAlive()) {
            Logger.tag("runtime").warn("logging program {} (pid {}) did not exit after SIGTERM, killing it",
                    p.info().command().orElse("?"), p.pid());
            p.destroyForcibly();
        }
    }

    /** Kills the logging program of {@code dir} at once (a creation that failed). */
    static void kill(Path dir) {
        running(dir).ifPresent(ProcessHandle::destroyForcibly);
    }
}
