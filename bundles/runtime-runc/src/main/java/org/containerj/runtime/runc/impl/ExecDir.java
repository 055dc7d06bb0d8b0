package org.containerj.runtime.runc.impl;

import java.nio.file.Path;

import org.containerj.api.runtime.ExitStatus;

/**
 * One exec'd process's files, {@code <bundle>/execs/<exec id>/}: its OCI process spec
 * {@code process.json}, its IO {@code exec.json}, and what its own conmon writes there
 * (pid files, {@code runc.log}, and in {@code exits/} the exit file named after the container).
 */
record ExecDir(String containerId, String execId, Path dir) {
    static final String SPEC = "process.json";
    static final String IO = "exec.json";

    static ExecDir of(TaskDir task, String execId) {
        return new ExecDir(task.id(), execId, task.execs().resolve(execId));
    }

    Path spec() {
        return dir.resolve(SPEC);
    }

    Path ioFile() {
        return dir.resolve(IO);
    }

    Path pidFile() {
        return dir.resolve("pid");
    }

    Path conmonPidFile() {
        return dir.resolve("conmon.pid");
    }

    Path exitDir() {
        return dir.resolve("exits");
    }

    Path exitFile() {
        return exitDir().resolve(containerId);
    }

    Path runcLog() {
        return dir.resolve("runc.log");
    }

    int pid() {
        return TaskDir.readPid(pidFile()).orElse(0);
    }

    boolean started() {
        return java.nio.file.Files.exists(conmonPidFile());
    }

    ExitStatus readExit() {
        return TaskDir.readExit(exitFile(), pid());
    }

    boolean conmonAlive() {
        return TaskDir.conmonAlive(conmonPidFile(), dir);
    }
}
