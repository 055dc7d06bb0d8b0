package org.containerj.runtime.runc.impl;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.containerj.api.errdefs.ContainerjException;
import org.containerj.api.errdefs.ErrorKind;

/**
 * Runs a program with an explicit argument list (never through a shell), waits for it at
 * most {@code timeout}, and keeps its output and error output. The output goes to
 * temporary files rather than pipes, so nothing has to drain two pipes at once.
 */
final class Command {
    /** The environment every program started here gets: nothing of the daemon's own. */
    static final String PATH = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    private Command() {
    }

    /** What a finished program left: its exit code, output and error output (trimmed). */
    record Result(List<String> argv, int exitCode, String stdout, String stderr) {
        boolean ok() {
            return exitCode == 0;
        }

        /** The error output, or the output when there is none, for error messages. */
        String message() {
            String m = stderr.isBlank() ? stdout : stderr;
            return m.isBlank() ? "exit status " + exitCode : m;
        }
    }

    /** Runs {@code argv}; DEADLINE_EXCEEDED (after killing it) when it takes longer than {@code timeout}. */
    static Result run(List<String> argv, Duration timeout) {
        return run(argv, timeout, null);
    }

    /** Runs {@code argv} with {@code input} (null: nothing) as its standard input, from a temporary file. */
    static Result run(List<String> argv, Duration timeout, byte[] input) {
        Path out = null;
        Path err = null;
        Path in = null;
        try {
            out = Files.createTempFile("containerj-runc-", ".out");
            err = Files.createTempFile("containerj-runc-", ".err");
            if (input != null) {
                in = Files.createTempFile("containerj-runc-", ".in");
                Files.write(in, input);
            }
            ProcessBuilder pb = new ProcessBuilder(argv)
                    .redirectInput(ProcessBuilder.Redirect.from((in == null ? Path.of("/dev/null") : in).toFile()))
                    .redirectOutput(out.toFile())
                    .redirectError(err.toFile());
            pb.environment().clear();
            pb.environment().put("PATH", PATH.substring("PATH=".length()));
            java.lang.Process p = pb.start();
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                p.waitFor(5, TimeUnit.SECONDS);
                throw new ContainerjException(ErrorKind.DEADLINE_EXCEEDED,
                        String.join(" ", argv) + ": no answer after " + timeout.toSeconds() + "s");
            }
            return new Result(List.copyOf(argv), p.exitValue(), Files.readString(out, StandardCharsets.UTF_8).trim(),
                    Files.readString(err, StandardCharsets.UTF_8).trim());
        } catch (IOException e) {
            throw new ContainerjException(ErrorKind.UNKNOWN, argv.get(0) + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ContainerjException(ErrorKind.CANCELED, String.join(" ", argv) + ": interrupted", e);
        } finally {
            deleteQuietly(out);
            deleteQuietly(err);
            deleteQuietly(in);
        }
    }

    private static void deleteQuietly(Path p) {
        if (p != null) {
            try {
                Files.deleteIfExists(p);
            } catch (IOException ignored) {
                // a temporary file; the next boot's tmp cleanup takes it
            }
        }
    }
}
