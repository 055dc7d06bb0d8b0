package org.containerj.tasks.grpc;

import java.util.List;
import java.util.Locale;
import java.util.Optional;

import org.containerj.api.runtime.ProcessState;
import org.containerj.api.runtime.Task;
import org.containerj.filters.FieldSource;

/**
 * A task as containerd's filter syntax sees it: {@code id} (also {@code container_id}),
 * {@code namespace} and {@code runtime}, which containerd's task metrics filter on, and for
 * listing also {@code pid}, {@code status} (lower case: {@code running}, {@code stopped}, ...)
 * and {@code exit_status}.
 */
final class TaskFields {
    private TaskFields() {
    }

    static FieldSource of(Task task, String runtime, ProcessState state) {
        return path -> {
            if (path.size() != 1) {
                return Optional.empty();
            }
            return switch (path.get(0)) {
                case "id", "container_id" -> Optional.of(task.id());
                case "namespace" -> Optional.of(task.namespace());
                case "runtime" -> Optional.of(runtime);
                case "pid" -> state == null ? Optional.empty() : Optional.of(Integer.toString(state.pid()));
                case "status" -> state == null ? Optional.empty()
                        : Optional.of(state.status().name().toLowerCase(Locale.ROOT));
                case "exit_status" -> state == null || state.exit() == null ? Optional.empty()
                        : Optional.of(Integer.toString(state.exit().code()));
                default -> Optional.empty();
            };
        };
    }
}
