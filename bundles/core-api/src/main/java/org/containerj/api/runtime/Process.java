package org.containerj.api.runtime;

import java.time.Duration;
import java.util.concurrent.CompletionStage;

/** A process of a task: its init process or one started by exec. */
public interface Process {
    String id();

    ProcessState state();

    /**
     * The process's pid as {@link #state()} reports it (0 before it exists), for callers that
     * need nothing else: a runtime can answer it without asking its OCI runtime for the status.
     */
    default int pid() {
        return state().pid();
    }

    void start();

    /** Sends {@code signal}; with {@code all}, to every process of the container. */
    void kill(int signal, boolean all);

    void resizePty(int width, int height);

    /** Closes the process's stdin. */
    void closeStdin();

    /** Completes when the process has exited. */
    CompletionStage<ExitStatus> exit();

    /** Removes the process's runtime state once it has exited; returns its exit. */
    ExitStatus delete(Duration timeout);
}
