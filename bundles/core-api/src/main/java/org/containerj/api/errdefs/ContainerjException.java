package org.containerj.api.errdefs;

import java.util.Objects;

/**
 * An error with a containerd error kind. Plugins throw it; the wire adapters turn it
 * into the matching status. The message is what the client sees, so it names the
 * object concerned (as containerd's messages do: {@code namespace "x": not found}).
 */
public class ContainerjException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final ErrorKind kind;

    public ContainerjException(ErrorKind kind, String message) {
        super(message);
        this.kind = Objects.requireNonNull(kind, "kind");
    }

    public ContainerjException(ErrorKind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = Objects.requireNonNull(kind, "kind");
    }

    public ErrorKind kind() {
        return kind;
    }

    /** True when {@code t} is a ContainerjException of the given kind. */
    public static boolean is(Throwable t, ErrorKind kind) {
        return t instanceof ContainerjException e && e.kind == kind;
    }

    public static ContainerjException invalidArgument(String format, Object... args) {
        return new ContainerjException(ErrorKind.INVALID_ARGUMENT, String.format(format, args));
    }

    public static ContainerjException notFound(String format, Object... args) {
        return new ContainerjException(ErrorKind.NOT_FOUND, String.format(format, args));
    }

    public static ContainerjException alreadyExists(String format, Object... args) {
        return new ContainerjException(ErrorKind.ALREADY_EXISTS, String.format(format, args));
    }

    public static ContainerjException failedPrecondition(String format, Object... args) {
        return new ContainerjException(ErrorKind.FAILED_PRECONDITION, String.format(format, args));
    }

    public static ContainerjException unavailable(String format, Object... args) {
        return new ContainerjException(ErrorKind.UNAVAILABLE, String.format(format, args));
    }

    public static ContainerjException notImplemented(String format, Object... args) {
        return new ContainerjException(ErrorKind.NOT_IMPLEMENTED, String.format(format, args));
    }

    public static ContainerjException internal(String message, Throwable cause) {
        return new ContainerjException(ErrorKind.INTERNAL, message, cause);
    }
}
