package org.containerj.api.runtime;

import java.util.List;

/** A container's running side: its init process and the processes exec'd into it. */
public interface Task extends Process {
    String namespace();

    /** Starts {@code execId} inside the container with the OCI process spec (JSON). */
    Process exec(String execId, byte[] processSpecJson, ProcessIO io);

    /** NOT_FOUND when no such exec exists. */
    Process process(String execId);

    List<Integer> pids();

    void pause();

    void resume();

    /** Applies new resources (OCI {@code LinuxResources} as JSON). */
    void update(byte[] resourcesJson);

    /** Current cgroup statistics, encoded as containerd's metrics types (type URL + bytes). */
    Metrics metrics();

    /** A checkpoint image written to {@code path}; FAILED_PRECONDITION where checkpointing cannot work. */
    void checkpoint(String path, boolean exit);

    /** Metrics as a protobuf Any. */
    record Metrics(String typeUrl, byte[] data) {
    }
}
