package org.containerj.server;

import io.grpc.Context;

/**
 * The lease of the call being served, from containerd's {@code containerd-lease} header
 * ({@code ctr content fetch} and {@code ctr images pull} send one): what the call
 * creates is added to that lease, so garbage collection keeps it while the lease lasts.
 */
public final class RequestLease {
    /** containerd's gRPC metadata key. */
    public static final String HEADER = "containerd-lease";

    /** The context key under which the API server stores the lease. */
    public static final Context.Key<String> KEY = Context.key(HEADER);

    private RequestLease() {
    }

    /** The lease of the current call, or null when it has none. */
    public static String current() {
        return KEY.get();
    }
}
