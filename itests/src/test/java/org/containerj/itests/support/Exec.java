package org.containerj.itests.support;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs a command with an explicit argument list (no shell) and a timeout. */
public final class Exec {
    private Exec() {
    }

    /**
     * Runs {@code command}, stdin closed, stdout and stderr captured through files (no pipe can
     * fill up and block it).
     *
     * @param scratch a directory for the output files
     * @throws AssertionError when the command does not finish within {@code timeout} (it is killed)
     */
    public static CommandResult run(List<String> command, Duration timeout, Path scratch) {
        return run(command, timeout, scratch, Path.of("/dev/null"));
    }

    /** Like {@link #run(List, Duration, Path)}, with stdin read from {@code stdin}. */
    public static CommandResult run(List<String> command, Duration timeout, Path scratch, Path stdin) {
        try {
            Path out = Files.createTempFile(scratch, "out-", ".txt");
            Path err = Files.createTempFile(scratch, "err-", ".txt");
            try {
                Process p = new ProcessBuilder(command)
                        .redirectInput(ProcessBuilder.Redirect.from(stdin.toFile()))
                        .redirectOutput(out.toFile())
                        .redirectError(err.toFile())
                        .start();
                if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                    p.descendants().forEach(ProcessHandle::destroyForcibly);
                    p.destroyForcibly();
                    p.waitFor(10, TimeUnit.SECONDS);
                    throw new AssertionError("timed out after " + timeout.toMillis() + " ms: " + String.join(" ", command)
                            + "\n  stdout: " + read(out) + "\n  stderr: " + read(err));
                }
                return new CommandResult(List.copyOf(command), p.exitValue(), read(out), read(err));
            } finally {
                Files.deleteIfExists(out);
                Files.deleteIfExists(err);
            }
        } catch (IOException e) {
            throw new AssertionError("cannot run " + String.join(" ", command) + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted running " + String.join(" ", command), e);
        }
    }

    /**
     * Runs {@code command} with its standard output written to {@code stdout} (binary, any
     * size); the result's stdout is empty.
     */
    public static CommandResult runToFile(List<String> command, Duration timeout, Path scratch, Path stdout) {
        try {
            Path err = Files.createTempFile(scratch, "err-", ".txt");
            try {
                Process p = new ProcessBuilder(command)
                        .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                        .redirectOutput(stdout.toFile())
                        .redirectError(err.toFile())
                        .start();
                if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                    p.descendants().forEach(ProcessHandle::destroyForcibly);
                    p.destroyForcibly();
                    p.waitFor(10, TimeUnit.SECONDS);
                    throw new AssertionError("timed out after " + timeout.toMillis() + " ms: " + String.join(" ", command)
                            + "\n  stderr: " + read(err));
                }
                return new CommandResult(List.copyOf(command), p.exitValue(), "", read(err));
            } finally {
                Files.deleteIfExists(err);
            }
        } catch (IOException e) {
            throw new AssertionError("cannot run " + String.join(" ", command) + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted running " + String.join(" ", command), e);
        }
    }

    private static String read(Path p) throws IOException {
        return Files.readString(p, StandardCharsets.UTF_8);
    }
}
