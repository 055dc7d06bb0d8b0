package org.containerj.runtime.runc.impl;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.channels.FileChannel;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import org.containerj.api.errdefs.ContainerjException;
import org.containerj.api.errdefs.ErrorKind;
import org.containerj.api.runtime.ProcessIO;

/**
 * Starts conmon, the per-container monitor that runs {@code runc create} (or {@code runc exec}),
 * waits for the process and records its exit, so that the container outlives the daemon.
 *
 * <p>A JVM can hand a child only descriptors 0 to 2, and conmon wants its result channel as
 * descriptor 3 and the client's FIFOs as its standard streams. So {@code /bin/sh} opens
 * them: the script text is made of constant fragments and every value (paths from the
 * client included) is a positional parameter, never part of the script. {@link ConmonStdio}
 * decides how each stream is opened (stdout and stderr FIFOs read and write, so the
 * container does not die of SIGPIPE when the client goes away; files for appending; a
 * terminal's streams not at all, conmon holds the pty). Without a terminal stdin is opened
 * read-only and the daemon keeps no write end, so the container sees EOF when the client
 * closes its end. In passthrough logging conmon hands these descriptors straight to the
 * container.
 *
 * <p>The result channel is a file ({@code sync} in the bundle), not a pipe to the JVM: the
 * JDK drains and closes a child's output pipe as soon as that child exits, and the first
 * conmon process exits at once, before its monitor has written the pid, so a pipe would
 * often read as an empty EOF. The file is read again whenever the bundle directory changes
 * (inotify, through a {@link WatchService}) and at least every {@link #RECHECK_MILLIS}, until
 * it has a first line; the monitor gone (its {@code -P} pid file names no live conmon) with
 * no line written means {@code runc} failed, and runc's JSON log says why.
 */
final class Conmon {
    /**
     * $1 conmon, $2 id, $3 runc, $4 runc root, $5 bundle, $6 exit dir, $7 stdin, $8 stdout, $9 stderr,
     * ${10} the sync file. {@link ConmonStdio} adds the logging options and the redirections.
     */
    static final String SCRIPT = "exec \"$1\" --api-version 1 -c \"$2\" -u \"$2\" -n \"$2\" -r \"$3\""
            + " --runtime-arg --root --runtime-arg \"$4\""
            + " --runtime-arg --log --runtime-arg \"$5/runc.log\" --runtime-arg --log-format --runtime-arg json"
            + " -b \"$5\" -p \"$5/init.pid\" -P \"$5/conmon.pid\" --exit-dir \"$6\" -0 \"$5\"";

    /**
     * $1 conmon, $2 container id, $3 runc, $4 runc root, $5 exec dir, $6 attach name, $7 stdin, $8 stdout,
     * $9 stderr, ${10} the sync file. Each exec has its own directory as bundle, exit and persist directory: conmon names the exit
     * file after the container and recreates its control files in the bundle.
     */
    static final String EXEC_SCRIPT = "exec \"$1\" --api-version 1 -e --exec-process-spec \"$5/process.json\""
            + " -c \"$2\" -u \"$6\" -n \"$2\" -r \"$3\" --runtime-arg --root --runtime-arg \"$4\""
            + " --runtime-arg --log --runtime-arg \"$5/runc.log\" --runtime-arg --log-format --runtime-arg json"
            + " -b \"$5\" -p \"$5/pid\" -P \"$5/conmon.pid\" --exit-dir \"$5/exits\" -0 \"$5\"";

    /** conmon's result channel: descriptor 3 goes to the sync file, ${10}. */
    private static final String SYNC = " 3>\"${10}\"";

    private final String binary;
    private final Duration timeout;
    /** How often the sync file and the monitor are looked at when no change was seen (a lost event, a dead monitor). */
    private static final long RECHECK_MILLIS = 50;

    Conmon(String binary, Duration timeout) {
        this.binary = binary;
        this.timeout = timeout;
    }

    /** Runs {@code runc create} under a new conmon; returns the container's init pid. */
    int create(TaskDir dir, Runc runc, ProcessIO io) {
        try (ConmonStdio stdio = ConmonStdio.prepare(dir.bundle(), dir.namespace(), dir.id(), io, timeout)) {
            try {
                return launch("create " + dir.id(), SCRIPT + stdio.flags() + SYNC + stdio.redirects(),
                        parameters(List.of(binary, dir.id(), runc.binary(), runc.root().toString(),
                                dir.bundle().toString(), dir.exitFile().getParent().toString()), stdio),
                        dir.bundle(), dir.runcLog(), io.terminal() ? "" : io.stdin());
            } catch (RuntimeException e) {
                stdio.abort(dir.bundle());
                throw e;
            }
        }
    }

    private static List<String> parameters(List<String> first, ConmonStdio stdio) {
        List<String> all = new ArrayList<>(first);
        all.addAll(stdio.paths());
        return all;
    }

    /** Runs {@code runc exec --detach} under a new conmon; returns the process's pid. */
    int exec(ExecDir dir, String namespace, Runc runc, ProcessIO io) {
        // as in containerd's shim, an exec's logging program gets the exec id as CONTAINER_ID
        try (ConmonStdio stdio = ConmonStdio.prepare(dir.dir(), namespace, dir.execId(), io, timeout)) {
            try {
                return launch("exec " + dir.execId() + " in " + dir.containerId(),
                        EXEC_SCRIPT + stdio.flags() + SYNC + stdio.redirects(), parameters(List.of(binary,
                                dir.containerId(), runc.binary(), runc.root().toString(), dir.dir().toString(),
                                dir.containerId() + "-" + dir.execId()), stdio),
                        dir.dir(), dir.runcLog(), io.terminal() ? "" : io.stdin());
            } catch (RuntimeException e) {
                stdio.abort(dir.dir());
                throw e;
            }
        }
    }

    /**
     * Launches with {@code stdin} (a FIFO, or empty) held open read-write by the daemon until
     * conmon has answered: the shell's blocking read-only open then never waits for a writer.
     * A client that already wrote and closed its end (ctr with stdin at EOF does so before
     * Tasks.Create) would otherwise leave the open blocked for good; once the daemon lets go,
     * the container sees EOF as soon as no client holds a write end.
     */
    private int launch(String what, String script, List<String> parameters, Path dir, Path runcLog, String stdin) {
        FileChannel holder = null;
        if (!stdin.isEmpty() && Files.exists(Path.of(stdin)) && !Files.isRegularFile(Path.of(stdin))) {
            try {
                holder = FileChannel.open(Path.of(stdin), StandardOpenOption.READ, StandardOpenOption.WRITE);
            } catch (IOException | UnsupportedOperationException e) {
                holder = null; // not openable here: the shell reports it
            }
        }
        try {
            return launch(what, script, parameters, dir, runcLog);
        } finally {
            if (holder != null) {
                try {
                    holder.close();
                } catch (IOException ignored) {
                    // closing a FIFO descriptor does not fail in practice
                }
            }
        }
    }

    private int launch(String what, String script, List<String> parameters, Path dir, Path runcLog) {
        Path sync = dir.resolve("sync");
        Path shellErrors = dir.resolve("launch.err");
        List<String> argv = new ArrayList<>(List.of("/bin/sh", "-c", script, "sh"));
        argv.addAll(parameters);
        argv.add(sync.toString());
        // conmon writes some files (an OOM marker) into its working directory: keep them in the
        // task's directory rather than wherever the daemon was started
        ProcessBuilder pb = new ProcessBuilder(argv)
                .directory(dir.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(shellErrors.toFile());
        pb.environment().clear();
        pb.environment().put("PATH", Command.PATH.substring("PATH=".length()));
        pb.environment().put("_OCI_SYNCPIPE", "3");
        java.lang.Process sh;
        WatchService changes = null;
        try {
            Files.deleteIfExists(sync);
            changes = watch(dir);
            sh = pb.start();
        } catch (IOException e) {
            close(changes);
            throw new ContainerjException(ErrorKind.UNKNOWN, what + ": start conmon: " + e.getMessage(), e);
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        try {
            while (true) {
                String line = firstLine(sync);
                if (line != null) {
                    return pid(what, line, runcLog, shellErrors);
                }
                if (!sh.isAlive() && !TaskDir.conmonAlive(dir.resolve("conmon.pid"), dir)) {
                    line = firstLine(sync); // written just before the monitor ended
                    if (line != null) {
                        return pid(what, line, runcLog, shellErrors);
                    }
                    throw new ContainerjException(ErrorKind.UNKNOWN, what + ": failed" + detail(runcLog, shellErrors));
                }
                if (System.nanoTime() > deadline) {
                    sh.destroyForcibly();
                    throw new ContainerjException(ErrorKind.DEADLINE_EXCEEDED, what + ": no pid from conmon after "
                            + timeout.toSeconds() + "s" + detail(runcLog, shellErrors));
                }
                awaitChange(changes);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            sh.destroyForcibly();
            throw new ContainerjException(ErrorKind.CANCELED, what + ": interrupted", e);
        } finally {
            close(changes);
        }
    }

    /** A watch on {@code dir} for new and written files; null (plain rechecks then) when inotify is not available. */
    private static WatchService watch(Path dir) {
        WatchService w = null;
        try {
            w = dir.getFileSystem().newWatchService();
            dir.register(w, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_MODIFY);
            return w;
        } catch (IOException | UnsupportedOperationException e) {
            close(w); // e.g. out of inotify instances: the bounded rechecks still find the answer
            return null;
        }
    }

    /** Waits until something in the watched directory changed, at most {@link #RECHECK_MILLIS}. */
    private static void awaitChange(WatchService changes) throws InterruptedException {
        if (changes == null) {
            Thread.sleep(RECHECK_MILLIS / 5);
            return;
        }
        WatchKey k;
        try {
            k = changes.poll(RECHECK_MILLIS, TimeUnit.MILLISECONDS);
        } catch (ClosedWatchServiceException e) {
            Thread.sleep(RECHECK_MILLIS / 5);
            return;
        }
        if (k != null) {
            k.pollEvents(); // which file does not matter: the sync file is read again
            k.reset();
        }
    }

    private static void close(WatchService w) {
        if (w != null) {
            try {
                w.close();
            } catch (IOException ignored) {
                // closing an inotify descriptor does not fail in practice
            }
        }
    }

    /** The first complete line of {@code file}, null while there is none. */
    private static String firstLine(Path file) {
        try {
            String s = Files.readString(file, StandardCharsets.UTF_8);
            int nl = s.indexOf('\n');
            return nl < 0 ? null : s.substring(0, nl);
        } catch (IOException e) {
            return null;
        }
    }

    /** The pid in conmon's first sync message, {@code {"data": PID}}; a negative one is an error. */
    private static int pid(String what, String line, Path runcLog, Path shellErrors) {
        try {
            JsonObject o = JsonParser.parseString(line).getAsJsonObject();
            int pid = o.get("data").getAsInt();
            if (pid <= 0) {
                JsonElement m = o.get("message");
                throw new ContainerjException(ErrorKind.UNKNOWN, what + ": " + (m == null ? "failed" : m.getAsString())
                        + detail(runcLog, shellErrors));
            }
            return pid;
        } catch (ContainerjException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new ContainerjException(ErrorKind.UNKNOWN, what + ": unreadable answer from conmon: " + line, e);
        }
    }

    /** The errors runc logged (JSON lines of level error) and what the shell said, as ": ...". */
    static String detail(Path runcLog, Path shellErrors) {
        List<String> errors = new ArrayList<>();
        try {
            for (String l : Files.readAllLines(runcLog, StandardCharsets.UTF_8)) {
                try {
                    JsonObject o = JsonParser.parseString(l).getAsJsonObject();
                    JsonElement level = o.get("level");
                    if (level != null && ("error".equals(level.getAsString()) || "fatal".equals(level.getAsString()))) {
                        errors.add(o.get("msg").getAsString());
                    }
                } catch (RuntimeException notJson) {
                    errors.add(l);
                }
            }
        } catch (IOException noLog) {
            // runc never ran
        }
        try {
            String s = Files.readString(shellErrors, StandardCharsets.UTF_8).trim();
            if (!s.isEmpty()) {
                errors.add(s);
            }
        } catch (IOException none) {
            // the shell never started
        }
        return errors.isEmpty() ? "" : ": " + String.join("; ", errors);
    }
}
