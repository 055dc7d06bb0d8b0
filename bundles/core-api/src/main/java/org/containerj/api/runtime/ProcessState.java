package org.containerj.api.runtime;

/** A snapshot of a process as {@code Tasks.Get} reports it. */
public record ProcessState(String id, int pid, ProcessStatus status, String stdin, String stdout, String stderr,
        boolean terminal, ExitStatus exit) {
}
