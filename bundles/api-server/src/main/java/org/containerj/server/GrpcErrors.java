package org.containerj.server;

import org.containerj.api.errdefs.ContainerjException;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;

/**
 * Turns exceptions into the gRPC statuses containerd sends. Unary service methods can
 * simply throw; streaming code that completes observers itself uses {@link #toStatus}.
 */
public final class GrpcErrors {
    private GrpcErrors() {
    }

    public static StatusRuntimeException toStatus(Throwable t) {
        if (t instanceof StatusRuntimeException s) {
            return s;
        }
        if (t instanceof ContainerjException e) {
            return Status.fromCodeValue(e.kind().grpcCode()).withDescription(e.getMessage()).asRuntimeException();
        }
        return Status.UNKNOWN.withDescription(String.valueOf(t.getMessage())).withCause(t).asRuntimeException();
    }
}
