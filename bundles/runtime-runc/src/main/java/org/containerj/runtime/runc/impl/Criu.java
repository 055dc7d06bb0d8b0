package org.containerj.runtime.runc.impl;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

import org.containerj.api.errdefs.ContainerjException;

/**
 * CRIU, which runc runs to checkpoint and restore containers, looked up the way runc finds
 * it: as {@code criu} in the PATH runc is given.
 */
final class Criu {
    private Criu() {
    }

    static Optional<Path> find() {
        for (String dir : Command.PATH.substring("PATH=".length()).split(":")) {
            Path p = Path.of(dir, "criu");
            if (Files.isExecutable(p)) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    /** FAILED_PRECONDITION naming the cause when CRIU is not installed. */
    static void require(String what) {
        if (find().isEmpty()) {
            throw ContainerjException.failedPrecondition("%s needs CRIU, which is not installed (no criu in %s)", what,
                    Command.PATH.substring("PATH=".length()));
        }
    }
}
