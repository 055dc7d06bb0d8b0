package org.containerj.content.grpc;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;

/**
 * The lease of the call being served, from containerd's {@code containerd-lease} header
 * ({@code ctr content fetch} and {@code ctr images pull} send one): what the call writes
 * is added to that lease, so garbage collection keeps it while the lease lasts.
 */
final class RequestLease implements ServerInterceptor {
    /** containerd's gRPC metadata key. */
    static final String HEADER = "containerd-lease";
    static final Metadata.Key<String> METADATA_KEY = Metadata.Key.of(HEADER, Metadata.ASCII_STRING_MARSHALLER);
    private static final Context.Key<String> KEY = Context.key(HEADER);

    /** The lease of the current call, or null. */
    static String current() {
        return KEY.get();
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
            ServerCallHandler<Q, R> next) {
        String lease = headers.get(METADATA_KEY);
        if (lease == null || lease.isEmpty()) {
            return next.startCall(call, headers);
        }
        return Contexts.interceptCall(Context.current().withValue(KEY, lease), call, headers, next);
    }
}
