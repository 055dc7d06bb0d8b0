package org.containerj.api.runtime;

import java.util.List;

import org.containerj.api.mount.Mount;

/**
 * What a runtime needs to create a task: the container, its OCI runtime spec (JSON),
 * the rootfs mounts from its snapshotter, its IO, and the runtime options (a protobuf
 * {@code Any} such as {@code containerd.runc.v1.Options}, as type URL and bytes).
 */
public record CreateTaskRequest(String namespace, String containerId, byte[] specJson, List<Mount> rootfs,
        ProcessIO io, String runtimeOptionsType, byte[] runtimeOptions, String checkpoint) {
    public CreateTaskRequest {
        rootfs = List.copyOf(rootfs);
        specJson = specJson.clone();
        runtimeOptions = runtimeOptions == null ? new byte[0] : runtimeOptions.clone();
    }
}
