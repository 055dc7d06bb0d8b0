package org.containerj.server;

import io.grpc.Context;

/**
 * The containerd namespace of the call being served. The API server reads it from the
 * {@code containerd-namespace} header (default {@code default}), validates it, and
 * makes it current before any service code runs.
 */
public final class RequestNamespace {
    /** containerd's gRPC metadata key. */
    public static final String HEADER = "containerd-namespace";
    public static final String DEFAULT = "default";

    /** The context key under which the API server stores the namespace. */
    public static final Context.Key<String> KEY = Context.key("containerd-namespace");

    private RequestNamespace() {
    }

    /** The namespace of the current call; {@value #DEFAULT} outside a call. */
    public static String current() {
        String ns = KEY.get();
        return ns == null ? DEFAULT : ns;
    }
}
