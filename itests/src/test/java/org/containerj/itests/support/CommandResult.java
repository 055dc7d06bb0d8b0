package org.containerj.itests.support;

import java.util.List;
import java.util.Locale;

/**
 * What a finished command did: its exit code and output.
 *
 * @param command the argument list that was run
 * @param exitCode the exit code
 * @param stdout standard output
 * @param stderr standard error
 */
public record CommandResult(List<String> command, int exitCode, String stdout, String stderr) {

    public boolean ok() {
        return exitCode == 0;
    }

    /** Returns this result, or fails showing the command and everything it printed. */
    public CommandResult assertOk() {
        if (!ok()) {
            throw new AssertionError("expected success: " + this);
        }
        return this;
    }

    /** Returns this result, or fails if the command succeeded. */
    public CommandResult assertFailed() {
        if (ok()) {
            throw new AssertionError("expected a failure: " + this);
        }
        return this;
    }

    /**
     * Returns this result, or fails unless the command failed with a message naming the gRPC
     * status, either as ctr prints containerd's errdefs text ({@code "invalid argument"}) or as
     * the gRPC code name ({@code InvalidArgument}).
     */
    public CommandResult assertFailedWith(String grpcCodeName, String errdefsText) {
        assertFailed();
        String all = (stdout + "\n" + stderr).toLowerCase(Locale.ROOT);
        if (!all.contains(grpcCodeName.toLowerCase(Locale.ROOT)) && !all.contains(errdefsText.toLowerCase(Locale.ROOT))) {
            throw new AssertionError("expected a " + grpcCodeName + " (\"" + errdefsText + "\") error: " + this);
        }
        return this;
    }

    @Override
    public String toString() {
        return String.join(" ", command) + "\n  exit code " + exitCode
                + "\n  stdout: " + indent(stdout) + "\n  stderr: " + indent(stderr);
    }

    private static String indent(String s) {
        return s.isEmpty() ? "(empty)" : s.strip().replace("\n", "\n          ");
    }
}
