package org.containerj.runtime.runc.impl;

import org.containerj.api.runtime.ExitStatus;

/**
 * The events only the runtime can tell of, as containerd's shims publish them: a process
 * exited ({@code /tasks/exit}), a container's cgroup hit out-of-memory ({@code /tasks/oom}).
 * Each answers whether the event went out; when it did not (no event exchange is running),
 * the runtime tries again later, and records an event as told only once it went out, so that
 * a restarted daemon announces what happened while it was down, once.
 */
interface TaskEvents {
    boolean exited(String namespace, String containerId, String processId, ExitStatus exit);

    boolean oom(String namespace, String containerId);

    /** Tells no one, and counts every event as told (tests and tools without an event exchange). */
    TaskEvents NONE = new TaskEvents() {
        @Override
        public boolean exited(String namespace, String containerId, String processId, ExitStatus exit) {
            return true;
        }

        @Override
        public boolean oom(String namespace, String containerId) {
            return true;
        }
    };
}
