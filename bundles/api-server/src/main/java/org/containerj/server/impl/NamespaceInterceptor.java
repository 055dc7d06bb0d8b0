package org.containerj.server.impl;

import org.containerj.api.errdefs.ContainerjException;
import org.containerj.api.identifiers.Identifiers;
import org.containerj.server.GrpcErrors;
import org.containerj.server.RequestNamespace;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;

/**
 * Makes the call's namespace current, as containerd does from the
 * {@code containerd-namespace} header. A malformed name fails the call with
 * INVALID_ARGUMENT before any service code runs.
 */
final class NamespaceInterceptor implements ServerInterceptor {
    static final Metadata.Key<String> HEADER = Metadata.Key.of(RequestNamespace.HEADER, Metadata.ASCII_STRING_MARSHALLER);

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
            ServerCallHandler<Q, R> next) {
        String namespace = headers.get(HEADER);
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
        return Contexts.interceptCall(context, call, headers, next);
    }
}
