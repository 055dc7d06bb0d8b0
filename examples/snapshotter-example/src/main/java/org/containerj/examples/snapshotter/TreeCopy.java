package org.containerj.examples.snapshotter;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Copies a root file system with {@code cp -a} (owners, modes with set-id bits, times,
 * hard links, symbolic links as links, device nodes, extended attributes), sharing
 * blocks where the file system can ({@code --reflink=auto}). An explicit argument list,
 * no shell, and a time limit.
 */
final class TreeCopy {
    private TreeCopy() {
    }

    /** Copies the contents of directory {@code from} into the existing directory {@code to}. */
    static void copy(Path from, Path to, Duration timeout) throws IOException {
        List<String> argv = List.of("cp", "-a", "--reflink=auto", "--", from + "/.", to.toString());
        // stderr to a file: a pipe nobody reads while waiting could fill up and stall cp
        Path errors = Files.createTempFile("containerj-cp-", ".err");
        try {
            run(argv, from, errors, timeout);
        } finally {
            Files.deleteIfExists(errors);
        }
    }

    private static void run(List<String> argv, Path from, Path errors, Duration timeout) throws IOException {
        Process p = new ProcessBuilder(argv).redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(errors.toFile()).start();
        try {
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                p.waitFor(10, TimeUnit.SECONDS);
                throw new IOException("copying " + from + " took more than " + timeout.toSeconds() + " s");
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while copying " + from, e);
        }
        if (p.exitValue() != 0) {
            byte[] head;
            try (var in = Files.newInputStream(errors)) {
                head = in.readNBytes(4096);
            }
            String err = new String(head, StandardCharsets.UTF_8).strip();
            throw new IOException("cp -a " + from + " failed (exit " + p.exitValue() + "): " + err);
        }
    }
}
