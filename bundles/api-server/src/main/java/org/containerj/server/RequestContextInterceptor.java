package org.containerj.server;

import org.containerj.api.errdefs.ContainerjException;
import org.containerj.api.identifiers.Identifiers;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;

/**
 * Makes the call's namespace and lease current, as containerd does from the
 * {@code containerd-namespace} and {@code containerd-lease} headers. A malformed
 * namespace fails the call with INVALID_ARGUMENT before any service code runs. The API
 * server puts it in front of every service; tests of service bundles can do the same.
 */
public final class RequestContextInterceptor implements ServerInterceptor {
    public static final Metadata.Key<String> NAMESPACE_HEADER =
            Metadata.Key.of(RequestNamespace.HEADER, Metadata.ASCII_STRING_MARSHALLER);
    public static final Metadata.Key<String> LEASE_HEADER =
            Metadata.Key.of(RequestLease.HEADER, Metadata.ASCII_STRING_MARSHALLER);

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
            ServerCallHandler<Q, R> next) {
        String namespace = headers.get(NAMESPACE_HEADER);
        if (namespace == null || namespace.isEmpty()) {
            namespace = RequestNamespace.DEFAULT;
        }
        try {
            Identifiers.validate(namespace);
        } catch (ContainerjException e) {
            var status = GrpcErrors.toStatus(ContainerjException.invalidArgument("namespace %s: %s",
                    "\"" + namespace + "\"", e.getMessage()));
            call.close(status.getStatus(), new Metadata());
            return new ServerCall.Listener<>() {
            };
        }
        Context context = Context.current().withValue(RequestNamespace.KEY, namespace);
        String lease = headers.get(LEASE_HEADER);
        if (lease != null && !lease.isEmpty()) {
            context = context.withValue(RequestLease.KEY, lease);
        }
        return Contexts.interceptCall(context, call, headers, next);
    }
}
