package org.containerj.api.runtime;

import java.time.Duration;
import java.util.concurrent.CompletionStage;

/** A process of a task: its init process or one started by exec. */
public interface Process {
    String id();

    ProcessState state();

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
