package org.containerj.api.containers;

import java.time.Instant;
import java.util.Map;

/**
 * A container as containerd keeps it: metadata only (what runs is a task). The spec is
 * the OCI runtime spec as a typed value; the snapshot, when there is one, is
 * {@code snapshotKey} of {@code snapshotter}. Times are set by the store; null in a
 * container to create. Empty strings stand for unset fields.
 */
public record Container(String id, Map<String, String> labels, String image, Runtime runtime, TypedValue spec,
        String snapshotter, String snapshotKey, Instant createdAt, Instant updatedAt,
        Map<String, TypedValue> extensions, String sandbox) {

    /** The runtime that runs the container's task ({@code io.containerd.runc.v2}) and its options (may be null). */
    public record Runtime(String name, TypedValue options) {
        public Runtime {
            name = name == null ? "" : name;
        }
    }

    public Container {
        id = id == null ? "" : id;
        labels = labels == null ? Map.of() : Map.copyOf(labels);
        image = image == null ? "" : image;
        runtime = runtime == null ? new Runtime("", null) : runtime;
        snapshotter = snapshotter == null ? "" : snapshotter;
        snapshotKey = snapshotKey == null ? "" : snapshotKey;
        extensions = extensions == null ? Map.of() : Map.copyOf(extensions);
        sandbox = sandbox == null ? "" : sandbox;
    }

    /** A copy with other labels. */
    public Container withLabels(Map<String, String> newLabels) {
        return new Container(id, newLabels, image, runtime, spec, snapshotter, snapshotKey, createdAt, updatedAt,
                extensions, sandbox);
    }
}
