package org.containerj.api.plugin;

/** containerd's plugin types, the values of {@link PluginProperties#TYPE}. */
public final class PluginTypes {
    public static final String CONTENT = "io.containerd.content.v1";
    public static final String SNAPSHOTTER = "io.containerd.snapshotter.v1";
    public static final String DIFFER = "io.containerd.differ.v1";
    public static final String METADATA = "io.containerd.metadata.v1";
    public static final String RUNTIME = "io.containerd.runtime.v2";
    public static final String SERVICE = "io.containerd.service.v1";
    public static final String GRPC = "io.containerd.grpc.v1";
    public static final String EVENT = "io.containerd.event.v1";
    public static final String LEASE = "io.containerd.lease.v1";
    public static final String GC = "io.containerd.gc.v1";
    public static final String INTERNAL = "io.containerd.internal.v1";
    public static final String TRANSFER = "io.containerd.transfer.v1";
    public static final String SANDBOX_STORE = "io.containerd.sandbox.store.v1";
    public static final String SANDBOX_CONTROLLER = "io.containerd.sandbox.controller.v1";

    private PluginTypes() {
    }
}
