package org.containerj.snapshotter.btrfs.impl;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.containerj.api.errdefs.ContainerjException;
import org.containerj.api.errdefs.ErrorKind;

/**
 * Runs a program the way the daemon runs anything: an explicit argument list (no shell),
 * stdin from {@code /dev/null}, a time limit after which it is killed, and its stderr
 * kept for the error.
 */
final class Command {
    private Command() {
    }

    /** What a finished program printed. */
    record Result(int exitCode, String stdout, String stderr) {
    }

    /**
     * Runs {@code args} and returns its stdout; a non-zero exit is an error carrying the
     * command and its stderr, a timeout DEADLINE_EXCEEDED, a program that cannot be started
     * UNAVAILABLE.
     */
    static String run(Duration timeout, List<String> args) {
        Result r = execute(timeout, args);
        if (r.exitCode() != 0) {
            String why = r.stderr().isBlank() ? r.stdout().strip() : r.stderr().strip();
            throw new ContainerjException(ErrorKind.UNKNOWN,
                    String.join(" ", args) + ": exit status " + r.exitCode() + (why.isEmpty() ? "" : ": " + why));
        }
        return r.stdout();
    }

    static Result execute(Duration timeout, List<String> args) {
        Process process;
        try {
            process = new ProcessBuilder(args).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        } catch (IOException e) {
            throw new ContainerjException(ErrorKind.UNAVAILABLE, "cannot run " + args.get(0) + ": " + e.getMessage(), e);
        }
        CompletableFuture<String> out = drain(process.getInputStream());
        CompletableFuture<String> err = drain(process.getErrorStream());
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                process.waitFor(5, TimeUnit.SECONDS);
                throw new ContainerjException(ErrorKind.DEADLINE_EXCEEDED,
                        String.join(" ", args) + ": no result after " + timeout.toSeconds() + "s, killed");
            }
            return new Result(process.exitValue(), out.get(5, TimeUnit.SECONDS), err.get(5, TimeUnit.SECONDS));
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new ContainerjException(ErrorKind.CANCELED, String.join(" ", args) + ": interrupted", e);
        } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new ContainerjException(ErrorKind.UNKNOWN, String.join(" ", args) + ": cannot read its output", e);
        }
    }

    private static CompletableFuture<String> drain(InputStream in) {
        CompletableFuture<String> result = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            try (in) {
                result.complete(new String(in.readAllBytes(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                result.completeExceptionally(new UncheckedIOException(e));
            }
        }, "containerj-command-output");
        t.setDaemon(true);
        t.start();
        return result;
    }
}
