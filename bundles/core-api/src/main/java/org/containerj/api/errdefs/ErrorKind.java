package org.containerj.api.errdefs;

/**
 * The kinds of error a plugin can report. Each kind carries the numeric gRPC status
 * code that containerd's errdefs package sends for it, so clients such as {@code ctr}
 * see the same codes from containerj. The gRPC adapter alone turns kinds into statuses.
 */
public enum ErrorKind {
    UNKNOWN(2),
    INVALID_ARGUMENT(3),
    NOT_FOUND(5),
    ALREADY_EXISTS(6),
    FAILED_PRECONDITION(9),
    /** A conflicting concurrent change; containerd reports it as FAILED_PRECONDITION. */
    CONFLICT(9),
    /** Nothing to do; containerd reports it as FAILED_PRECONDITION. */
    NOT_MODIFIED(9),
    UNAVAILABLE(14),
    NOT_IMPLEMENTED(12),
    CANCELED(1),
    DEADLINE_EXCEEDED(4),
    PERMISSION_DENIED(7),
    RESOURCE_EXHAUSTED(8),
    ABORTED(10),
    OUT_OF_RANGE(11),
    INTERNAL(13),
    DATA_LOSS(15),
    UNAUTHENTICATED(16);

    private final int grpcCode;

    ErrorKind(int grpcCode) {
        this.grpcCode = grpcCode;
    }

    /** The gRPC status code (as in {@code google.rpc.Code}) this kind is sent as. */
    public int grpcCode() {
        return grpcCode;
    }

    /**
     * The kind a received gRPC status code stands for, as containerd's errdefs reads
     * codes back from a remote (used by proxy plugins). OK and unmapped codes are UNKNOWN.
     */
    public static ErrorKind fromGrpcCode(int code) {
        return switch (code) {
            case 1 -> CANCELED;
            case 3 -> INVALID_ARGUMENT;
            case 4 -> DEADLINE_EXCEEDED;
            case 5 -> NOT_FOUND;
            case 6 -> ALREADY_EXISTS;
            case 7 -> PERMISSION_DENIED;
            case 8 -> RESOURCE_EXHAUSTED;
            case 9 -> FAILED_PRECONDITION;
            case 10 -> ABORTED;
            case 11 -> OUT_OF_RANGE;
            case 12 -> NOT_IMPLEMENTED;
            case 13 -> INTERNAL;
            case 14 -> UNAVAILABLE;
            case 15 -> DATA_LOSS;
            case 16 -> UNAUTHENTICATED;
            default -> UNKNOWN;
        };
    }
}
