package org.containerj.api.runtime;

import java.util.List;

/**
 * A runtime (containerd's PlatformRuntime), registered as a plugin of type
 * {@code io.containerd.runtime.v2} with its runtime name (e.g. {@code io.containerd.runc.v2})
 * in the property {@code containerj.runtime.name}. Tasks outlive the bundle: a
 * runtime started again finds the tasks that kept running.
 *
 * <p>A runtime publishes the events only it can know of, as containerd's shims do:
 * {@code /tasks/exit} for every process that exits and {@code /tasks/oom}; the Tasks
 * service publishes the others.
 */
public interface TaskManager {
    /** Service property naming the runtime this manager serves. */
    String RUNTIME_NAME = "containerj.runtime.name";

    Task create(CreateTaskRequest request);

    /** NOT_FOUND when the container has no task. */
    Task get(String namespace, String containerId);

    List<Task> tasks(String namespace);
}
