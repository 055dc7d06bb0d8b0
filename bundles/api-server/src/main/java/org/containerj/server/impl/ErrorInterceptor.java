package org.containerj.server.impl;

import org.containerj.api.errdefs.ContainerjException;
import org.containerj.server.GrpcErrors;
import org.tinylog.Logger;

import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.StatusRuntimeException;

/**
 * Lets service methods throw: a {@link ContainerjException} becomes the status its kind
 * maps to, anything else UNKNOWN (and is logged, since it is a bug or a host failure).
 */
final class ErrorInterceptor implements ServerInterceptor {

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
            ServerCallHandler<Q, R> next) {
        ServerCall.Listener<Q> delegate = next.startCall(call, headers);
        return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(delegate) {
            @Override
            public void onMessage(Q message) {
                guard(() -> super.onMessage(message));
            }

            @Override
            public void onHalfClose() {
                guard(super::onHalfClose);
            }

            @Override
            public void onReady() {
                guard(super::onReady);
            }

            private void guard(Runnable r) {
                try {
                    r.run();
                } catch (ContainerjException | StatusRuntimeException e) {
                    close(e);
                } catch (RuntimeException e) {
                    Logger.error(e, "{} failed", call.getMethodDescriptor().getFullMethodName());
                    close(e);
                }
            }

            private void close(RuntimeException e) {
                try {
                    call.close(GrpcErrors.toStatus(e).getStatus(), new Metadata());
                } catch (IllegalStateException alreadyClosed) {
                    Logger.debug("{}: call already closed when {} was thrown",
                            call.getMethodDescriptor().getFullMethodName(), e.toString());
                }
            }
        };
    }
}
