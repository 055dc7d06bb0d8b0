package org.containerj.runtime.runc.impl;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import com.google.gson.JsonObject;
import org.containerj.api.errdefs.ContainerjException;
import org.containerj.api.errdefs.ErrorKind;
import org.containerj.api.identifiers.Identifiers;
import org.containerj.api.runtime.ExitStatus;
import org.containerj.api.runtime.Process;
import org.containerj.api.runtime.ProcessIO;
import org.containerj.api.runtime.ProcessState;
import org.containerj.api.runtime.ProcessStatus;
import org.containerj.api.runtime.Task;

/**
 * A container on runc, watched by its conmon. Its exit is known from conmon's exit file,
 * which {@link RuncTaskManager} watches; everything else is asked of runc when needed,
 * so the task holds no state a daemon restart could lose.
 */
final class RuncTask implements Task {
    /** The exit code of a task whose monitor died without recording one (as containerd reports it). */
    static final int UNKNOWN_EXIT = 255;
    /** How long deleting a process waits for its terminal relay to copy the last output. */
    static final long IO_FINISH_MILLIS = 2000;

    private final RuncTaskManager manager;
    private final TaskDir dir;
    private final Runc runc;
    private final ProcessIO io;
    private final Conmon conmon;
    private final CompletableFuture<ExitStatus> exit = new CompletableFuture<>();
    private final Map<String, RuncExec> execs = new ConcurrentHashMap<>();
    /** The container's cgroup once found (it does not move). */
    private volatile TaskCgroup cgroup;
    /** The OOM kill count last announced (read from the bundle once), -1 until then. */
    private long oomAnnounced = -1;
    /** Set before the bundle is removed: nothing is recorded in it any more. */
    private volatile boolean deleted;
    /** Relays a terminal between the client and conmon; null without a terminal or once it is done. */
    private volatile TtyRelay tty;

    RuncTask(RuncTaskManager manager, TaskDir dir, Runc runc, Conmon conmon, ProcessIO io) {
        this.manager = manager;
        this.dir = dir;
        this.runc = runc;
        this.conmon = conmon;
        this.io = io;
    }

    /** Finds the processes exec'd before a restart. */
    void recoverExecs() {
        if (!Files.isDirectory(dir.execs())) {
            return;
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir.execs(), Files::isDirectory)) {
            for (Path p : ds) {
                String execId = p.getFileName().toString();
                ExecDir e = ExecDir.of(dir, execId);
                ProcessIO eio = TaskDir.readIO(e.ioFile());
                if (Identifiers.isValid(execId) && eio != null) {
                    RuncExec x = new RuncExec(this, e, runc, conmon, eio);
                    x.checkExit();
                    execs.put(execId, x);
                    if (x.dir().started()) {
                        x.startTerminal();
                        manager.watchExec(x);
                    }
                }
            }
        } catch (IOException e) {
            throw new ContainerjException(ErrorKind.UNKNOWN, "execs of task " + id() + ": " + e.getMessage(), e);
        }
    }

    Collection<RuncExec> execs() {
        return execs.values();
    }

    void execStarted(RuncExec exec) {
        manager.watchExec(exec);
    }

    RuncTaskManager manager() {
        return manager;
    }

    ExitStatus deleteExec(RuncExec exec) {
        ExitStatus e = exec.exitForDelete();
        exec.markDeleted();
        exec.releaseIO();
        execs.remove(exec.id(), exec);
        try {
            RuncTaskManager.deleteTree(exec.dir().dir());
        } catch (IOException ex) {
            throw new ContainerjException(ErrorKind.UNKNOWN, "delete process " + exec.id() + ": " + ex.getMessage(), ex);
        }
        return e;
    }

    TaskDir dir() {
        return dir;
    }

    /** Completes the exit (first caller wins). */
    void exited(ExitStatus status) {
        exit.complete(status);
        TtyRelay t = tty;
        if (t != null) {
            t.processExited();
        }
    }

    /** Starts relaying the terminal (after conmon created the container, or after a restart). */
    void startTerminal() {
        if (io.terminal()) {
            tty = TtyRelay.start(namespace() + "/" + id(), dir.bundle(), io, dir::conmonAlive);
        }
    }

    /** Stops relaying at once; what was not copied stays in the log for a later relay. */
    void closeTerminal() {
        TtyRelay t = tty;
        tty = null;
        if (t != null) {
            t.close();
        }
    }

    /**
     * Before the task's files go: lets the terminal relay finish copying (it does once the
     * process is gone), and stops a {@code binary://} logging program that still runs.
     */
    void releaseIO() {
        TtyRelay t = tty;
        if (t != null) {
            try {
                t.awaitFinished(IO_FINISH_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        closeTerminal();
        BinaryLogger.stop(dir.bundle(), BinaryLogger.TERM_TIMEOUT);
    }

    boolean hasExited() {
        return exit.isDone() && !exit.isCompletedExceptionally();
    }

    /**
     * Looks for the exit when no event said so: the exit file, or a monitor that is gone
     * without writing one (killed), whose exit is then unknown ({@value #UNKNOWN_EXIT}).
     */
    synchronized void checkExit() {
        if (exit.isDone()) {
            return;
        }
        ExitStatus s = dir.readExit();
        if (s == null && !dir.conmonAlive()) {
            s = dir.readExit(); // it may have written the file just before it ended
            if (s == null) {
                // The monitor was killed: nobody can learn this container's exit any more. Stop what may
                // still run, as containerd does after losing a shim, so state and reality agree.
                try {
                    runc.kill(id(), 9, true);
                } catch (ContainerjException notRunning) {
                    // already gone
                }
                s = new ExitStatus(dir.initPid(), UNKNOWN_EXIT, Instant.now());
            }
        }
        if (s != null) {
            checkOom(); // an OOM kill is told before the exit it caused, as containerd does
            announceExit(s);
            exited(s);
        }
    }

    /** Publishes {@code /tasks/exit} unless that was done before (also by a daemon before a restart). */
    private void announceExit(ExitStatus s) {
        if (!deleted && !Announced.exit(dir.bundle())
                && manager.events().exited(namespace(), id(), id(), s)) {
            Announced.markExit(dir.bundle());
        }
    }

    /** Retries announcing an exit no one could be told of yet (no event exchange was running). */
    synchronized void announcePending() {
        if (hasExited()) {
            announceExit(exit.join());
        }
    }

    /**
     * Publishes {@code /tasks/oom} when the kernel's OOM kill count of the container's cgroup
     * grew since the last announcement. The count lives in the cgroup and the announced one in
     * the bundle, so OOMs while the daemon was down are told after it starts again. Without a
     * kill counter (old kernels) conmon's {@code oom} file counts as one.
     */
    synchronized void checkOom() {
        if (deleted || exit.isDone()) {
            return;
        }
        long kills = -1;
        TaskCgroup cg = cgroup();
        if (cg != null) {
            kills = cg.oomKills();
        }
        if (kills < 0) {
            kills = Files.exists(dir.bundle().resolve("oom")) ? 1 : 0;
        }
        if (oomAnnounced < 0) {
            oomAnnounced = Announced.oomKills(dir.bundle());
        }
        if (kills > oomAnnounced && manager.events().oom(namespace(), id())) {
            Announced.markOomKills(dir.bundle(), kills);
            oomAnnounced = kills;
        }
    }

    private TaskCgroup cgroup() {
        TaskCgroup c = cgroup;
        if (c == null) {
            c = TaskCgroup.locate(manager.cgroups(), dir.config(), exit.isDone() ? 0 : dir.initPid(), Path.of("/proc"))
                    .orElse(null);
            cgroup = c;
        }
        return c;
    }

    /** No more records in the bundle: it is about to be removed. */
    synchronized void markDeleted() {
        deleted = true;
        execs.values().forEach(RuncExec::markDeleted);
    }

    /** Fails waiters when the runtime stops (the task itself keeps running). */
    void abandon() {
        closeTerminal();
        execs.values().forEach(RuncExec::abandon);
        exit.completeExceptionally(ContainerjException.unavailable("runtime %s stopped", RuncTaskManager.RUNTIME));
    }

    @Override
    public String id() {
        return dir.id();
    }

    @Override
    public String namespace() {
        return dir.namespace();
    }

    @Override
    public ProcessState state() {
        ExitStatus e = exitNow();
        ProcessStatus status;
        int pid = dir.initPid();
        if (e != null) {
            status = ProcessStatus.STOPPED;
        } else {
            Optional<JsonObject> s = runc.state(id());
            status = s.map(o -> status(o.get("status").getAsString())).orElse(ProcessStatus.STOPPED);
            if (status == ProcessStatus.STOPPED) {
                checkExit();
                e = exitNow();
            }
        }
        return new ProcessState(id(), pid, status, io.stdin(), io.stdout(), io.stderr(), io.terminal(), e);
    }

    /** The init pid conmon recorded: no {@code runc state} (a process start) needed for it. */
    @Override
    public int pid() {
        return dir.initPid();
    }

    private static ProcessStatus status(String runcStatus) {
        return switch (runcStatus) {
            case "created" -> ProcessStatus.CREATED;
            case "running" -> ProcessStatus.RUNNING;
            case "paused" -> ProcessStatus.PAUSED;
            case "pausing" -> ProcessStatus.PAUSING;
            case "stopped" -> ProcessStatus.STOPPED;
            default -> ProcessStatus.UNKNOWN;
        };
    }

    private ExitStatus exitNow() {
        return hasExited() ? exit.join() : null;
    }

    @Override
    public void start() {
        if (hasExited()) {
            throw ContainerjException.failedPrecondition("task %s has already exited", id());
        }
        runc.start(id());
    }

    @Override
    public void kill(int signal, boolean all) {
        if (hasExited()) {
            throw ContainerjException.notFound("process already finished");
        }
        try {
            runc.kill(id(), signal, all);
        } catch (ContainerjException e) {
            if (e.kind() == ErrorKind.FAILED_PRECONDITION || e.kind() == ErrorKind.NOT_FOUND) {
                throw new ContainerjException(ErrorKind.NOT_FOUND, "process already finished: " + e.getMessage(), e);
            }
            throw e;
        }
    }

    @Override
    public void resizePty(int width, int height) {
        if (io.terminal()) {
            TtyRelay.resize(dir.bundle(), width, height);
        } // not a terminal: nothing to resize (containerd ignores it too)
    }

    @Override
    public void closeStdin() {
        // Without a terminal the daemon holds no write end of the stdin FIFO: the container sees EOF when
        // the client closes its end. With one, the relay holds a write end and gives it up.
        TtyRelay t = tty;
        if (t != null) {
            t.closeStdin();
        }
    }

    @Override
    public CompletionStage<ExitStatus> exit() {
        return exit.copy();
    }

    @Override
    public ExitStatus delete(Duration timeout) {
        return manager.delete(this, timeout);
    }

    /**
     * Stops a task that was created but never started ({@code runc delete --force} kills
     * its init) and waits for conmon to record that; FAILED_PRECONDITION while it runs.
     */
    ExitStatus stopForDelete(Duration timeout) {
        checkExit();
        if (hasExited()) {
            return exit.join();
        }
        Optional<JsonObject> s = runc.state(id());
        String st = s.map(o -> o.get("status").getAsString()).orElse("stopped");
        if (!st.equals("created") && !st.equals("stopped")) {
            throw ContainerjException.failedPrecondition("task %s must be stopped before deletion: %s", id(), st);
        }
        if (st.equals("created")) {
            runc.deleteForce(id());
        }
        try {
            return exit.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            checkExit();
            if (hasExited()) {
                return exit.join();
            }
            throw new ContainerjException(ErrorKind.DEADLINE_EXCEEDED, "task " + id() + ": no exit after "
                    + timeout.toSeconds() + "s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ContainerjException(ErrorKind.CANCELED, "delete " + id() + ": interrupted", e);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : new ContainerjException(ErrorKind.UNKNOWN,
                    e.getMessage(), e);
        }
    }

    /**
     * Records a process to exec (started by its {@link Process#start()}): the OCI process
     * spec and IO go to {@code execs/<exec id>/}.
     */
    @Override
    public Process exec(String execId, byte[] processSpecJson, ProcessIO io) {
        Identifiers.validate(execId);
        ConmonStdio.check(io, OciSpec.parseProcess(processSpecJson).terminal());
        checkExit();
        if (hasExited()) {
            throw new ContainerjException(ErrorKind.UNKNOWN, "cannot exec in a stopped state");
        }
        ExecDir e = ExecDir.of(dir, execId);
        RuncExec x = new RuncExec(this, e, runc, conmon, io);
        if (execs.putIfAbsent(execId, x) != null) {
            throw ContainerjException.alreadyExists("id %s: already exists", execId);
        }
        try {
            Files.createDirectories(e.exitDir());
            Files.write(e.spec(), OciSpec.parseProcess(processSpecJson).bytes());
            TaskDir.writeIO(e.ioFile(), io);
            return x;
        } catch (IOException | RuntimeException ex) {
            execs.remove(execId, x);
            try {
                RuncTaskManager.deleteTree(e.dir());
            } catch (IOException undo) {
                ex.addSuppressed(undo);
            }
            throw ex instanceof ContainerjException c ? c
                    : new ContainerjException(ErrorKind.UNKNOWN, "exec " + execId + ": " + ex.getMessage(), ex);
        }
    }

    @Override
    public Process process(String execId) {
        if (execId == null || execId.isEmpty() || execId.equals(id())) {
            return this;
        }
        RuncExec x = execs.get(execId);
        if (x == null) {
            throw ContainerjException.notFound("process %s of task %s: not found", execId, id());
        }
        return x;
    }

    @Override
    public List<Integer> pids() {
        if (hasExited()) {
            return List.of();
        }
        return runc.ps(id());
    }

    @Override
    public void pause() {
        requireNotStopped("pause");
        runc.pause(id());
    }

    @Override
    public void resume() {
        requireNotStopped("resume");
        runc.resume(id());
    }

    /**
     * What containerd's runc shim answers for an operation on a container that has stopped:
     * UNKNOWN "cannot OP a stopped container" (the shim's state machine error).
     */
    private void requireNotStopped(String op) {
        checkExit();
        if (hasExited()) {
            throw new ContainerjException(ErrorKind.UNKNOWN, "cannot " + op + " a stopped container");
        }
    }

    /**
     * {@code runc update} with the resources checked first: a bad value is INVALID_ARGUMENT and
     * changes nothing; a stopped container is UNKNOWN as with containerd.
     */
    @Override
    public void update(byte[] resourcesJson) {
        LinuxResources resources = LinuxResources.parse(resourcesJson);
        requireNotStopped("update");
        runc.update(id(), resources.json());
    }

    /** The cgroup statistics (also of a stopped task, until it is deleted: runc removes the cgroup then). */
    @Override
    public Metrics metrics() {
        TaskCgroup c = cgroup();
        if (c == null) {
            throw ContainerjException.notFound("cgroup of task %s not found", id());
        }
        return c.metrics(id());
    }

    /**
     * {@code runc checkpoint} into {@code path}; FAILED_PRECONDITION naming the cause when CRIU,
     * which does the work, is not installed.
     */
    @Override
    public void checkpoint(String path, boolean exit) {
        Criu.require("checkpoint of task " + id());
        requireNotStopped("checkpoint");
        try {
            Path work = Files.createDirectories(dir.bundle().resolve("criu-work"));
            Files.createDirectories(Path.of(path));
            runc.checkpoint(id(), path, work.toString(), exit);
        } catch (IOException e) {
            throw new ContainerjException(ErrorKind.UNKNOWN, "checkpoint of task " + id() + ": " + e.getMessage(), e);
        }
    }
}
