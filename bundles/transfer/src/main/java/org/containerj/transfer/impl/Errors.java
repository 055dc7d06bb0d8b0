package org.containerj.transfer.impl;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.nio.channels.ClosedByInterruptException;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

import org.containerj.api.errdefs.ContainerjException;
import org.containerj.api.errdefs.ErrorKind;

/** Turns what a transfer's steps throw into containerd's error kinds. */
final class Errors {
    private Errors() {
    }

    /**
     * The ContainerjException behind {@code t}: itself, the cause of a wrapper (execution,
     * completion, I/O), CANCELED for an interruption, else {@code fallback} with
     * {@code what} and the message.
     */
    static ContainerjException of(Throwable t, ErrorKind fallback, String what) {
        Throwable cause = unwrap(t);
        if (cause instanceof ContainerjException e) {
            return e;
        }
        if (cause instanceof InterruptedException || cause instanceof InterruptedIOException
                || cause instanceof ClosedByInterruptException || cause instanceof CancellationException) {
            return new ContainerjException(ErrorKind.CANCELED, what + ": canceled", cause);
        }
        String message = cause.getMessage() == null ? cause.toString() : cause.getMessage();
        return new ContainerjException(fallback, what + ": " + message, cause);
    }

    private static Throwable unwrap(Throwable t) {
        Throwable c = t;
        for (int i = 0; i < 10 && c != null; i++) {
            if (c instanceof ContainerjException) {
                return c;
            }
            boolean wrapper = c instanceof ExecutionException || c instanceof CompletionException
                    || c instanceof UncheckedIOException
                    || c instanceof IOException && c.getCause() instanceof ContainerjException;
            if (!wrapper || c.getCause() == null) {
                return c;
            }
            c = c.getCause();
        }
        return t;
    }

    static ContainerjException canceled(String what) {
        return new ContainerjException(ErrorKind.CANCELED, what + ": canceled");
    }
}
