package org.containerj.runtime.runc.impl;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import org.containerj.api.errdefs.ContainerjException;
import org.containerj.api.runtime.ExitStatus;
import org.containerj.api.runtime.Process;
import org.containerj.api.runtime.ProcessIO;
import org.containerj.api.runtime.ProcessState;
import org.containerj.api.runtime.ProcessStatus;

/**
 * A process exec'd into a task: created by {@link RuncTask#exec}, started under a conmon
 * of its own ({@code runc exec --detach}), its exit read from that conmon's exit file.
 */
final class RuncExec implements Process {
    private final RuncTask task;
    private final ExecDir dir;
    private final Runc runc;
    private final Conmon conmon;
    private final ProcessIO io;
    private final CompletableFuture<ExitStatus> exit = new CompletableFuture<>();
    private volatile boolean deleted;
    /** Held while an exit is announced, so that it is announced once. */
    private final Object announcing = new Object();
    /** Relays a terminal between the client and conmon; null without a terminal or once it is done. */
    private volatile TtyRelay tty;

    RuncExec(RuncTask task, ExecDir dir, Runc runc, Conmon conmon, ProcessIO io) {
        this.task = task;
        this.dir = dir;
        this.runc = runc;
        this.conmon = conmon;
        this.io = io;
    }

    ExecDir dir() {
        return dir;
    }

    /** Looks for the exit: the exit file, or a started process whose monitor is gone (exit unknown). */
    void checkExit() {
        if (exit.isDone() || !dir.started()) {
            return;
        }
        ExitStatus s = dir.readExit();
        if (s == null && !dir.conmonAlive()) {
            s = dir.readExit();
            if (s == null) {
                s = new ExitStatus(dir.pid(), RuncTask.UNKNOWN_EXIT, Instant.now());
            }
        }
        if (s != null) {
            announceExit(s);
            exit.complete(s);
            TtyRelay t = tty;
            if (t != null) {
                t.processExited();
            }
        }
    }

    /** Publishes the exec's {@code /tasks/exit} unless that was done before (also before a restart). */
    private void announceExit(ExitStatus s) {
        synchronized (announcing) {
            if (!deleted && !Announced.exit(dir.dir())
                    && task.manager().events().exited(task.namespace(), task.id(), id(), s)) {
                Announced.markExit(dir.dir());
            }
        }
    }

    void announcePending() {
        if (hasExited()) {
            announceExit(exit.join());
        }
    }

    void markDeleted() {
        synchronized (announcing) {
            deleted = true;
        }
    }

    /** Starts relaying the terminal (after conmon started the process, or after a restart). */
    void startTerminal() {
        if (io.terminal()) {
            tty = TtyRelay.start(task.namespace() + "/" + task.id() + " exec " + id(), dir.dir(), io,
                    dir::conmonAlive);
        }
    }

    private void closeTerminal() {
        TtyRelay t = tty;
        tty = null;
        if (t != null) {
            t.close();
        }
    }

    /** Before the process's files go: see {@link RuncTask#releaseIO()}. */
    void releaseIO() {
        TtyRelay t = tty;
        if (t != null) {
            try {
                t.awaitFinished(RuncTask.IO_FINISH_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        closeTerminal();
        BinaryLogger.stop(dir.dir(), BinaryLogger.TERM_TIMEOUT);
    }

    void abandon() {
        closeTerminal();
        exit.completeExceptionally(ContainerjException.unavailable("runtime %s stopped", RuncTaskManager.RUNTIME));
    }

    boolean hasExited() {
        return exit.isDone() && !exit.isCompletedExceptionally();
    }

    @Override
    public String id() {
        return dir.execId();
    }

    @Override
    public synchronized ProcessState state() {
        checkExit();
        ExitStatus e = hasExited() ? exit.join() : null;
        ProcessStatus status = e != null ? ProcessStatus.STOPPED
                : dir.started() ? ProcessStatus.RUNNING : ProcessStatus.CREATED;
        return new ProcessState(id(), dir.pid(), status, io.stdin(), io.stdout(), io.stderr(), io.terminal(), e);
    }

    @Override
    public synchronized void start() {
        if (dir.started()) {
            throw ContainerjException.failedPrecondition("process %s of task %s: already started", id(), task.id());
        }
        ProcessStatus t = task.state().status();
        if (t != ProcessStatus.RUNNING) {
            throw ContainerjException.failedPrecondition("task %s is %s: cannot exec into it", task.id(),
                    t.name().toLowerCase());
        }
        conmon.exec(dir, task.namespace(), runc, io);
        startTerminal();
        task.execStarted(this);
    }

    @Override
    public void kill(int signal, boolean all) {
        checkExit();
        if (hasExited() || !dir.started()) {
            throw ContainerjException.notFound("process already finished");
        }
        Command.Result r = Command.run(List.of("/bin/kill", "-s", Integer.toString(signal), Integer.toString(dir.pid())),
                Duration.ofSeconds(10));
        if (!r.ok()) {
            checkExit();
            throw hasExited() ? ContainerjException.notFound("process already finished")
                    : new ContainerjException(org.containerj.api.errdefs.ErrorKind.UNKNOWN,
                            "kill " + id() + ": " + r.message());
        }
    }

    @Override
    public void resizePty(int width, int height) {
        if (io.terminal()) {
            TtyRelay.resize(dir.dir(), width, height);
        } // not a terminal: nothing to resize
    }

    @Override
    public void closeStdin() {
        // without a terminal the daemon holds no write end of the stdin FIFO; with one the relay gives its up
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
        return task.deleteExec(this);
    }

    /** The exit of a process that ended or never started (then 0, as containerd reports it). */
    ExitStatus exitForDelete() {
        checkExit();
        if (hasExited()) {
            return exit.join();
        }
        if (!dir.started()) {
            return new ExitStatus(0, 0, Instant.now());
        }
        throw ContainerjException.failedPrecondition("process %s of task %s must be stopped before deletion", id(),
                task.id());
    }
}
