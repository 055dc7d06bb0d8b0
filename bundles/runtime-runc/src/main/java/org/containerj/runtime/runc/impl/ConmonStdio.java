package org.containerj.runtime.runc.impl;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;

import org.containerj.api.errdefs.ContainerjException;
import org.containerj.api.errdefs.ErrorKind;
import org.containerj.api.runtime.ProcessIO;

/**
 * How conmon's launching shell wires one process's standard streams, and how conmon logs.
 * Script fragments are constants; the paths are the positional parameters {@code $7}
 * (stdin), {@code $8} (stdout) and {@code $9} (stderr), and {@code $5} is the process's
 * directory in both of {@link Conmon}'s scripts.
 *
 * <ul>
 * <li>No terminal ({@code -l passthrough}): conmon hands its descriptors to the process, so
 * output reaches its destination without the daemon, also while the daemon is down. A FIFO
 * is opened read-write (the process does not die of SIGPIPE when the client goes away), a
 * file ({@code file://} or a bare path that is not a FIFO) for appending, a
 * {@code binary://} program's FIFO write-only (the program must see end of file once the
 * process is gone).</li>
 * <li>Terminal ({@code -t}): conmon holds the pty; its output goes to the k8s-file log
 * {@code tty.log} in the process's directory and to the attach socket
 * ({@code --full-attach}: {@code attach} in the same directory), input comes from the
 * attach socket ({@code -i}, with {@code --leave-stdin-open} so that the daemon going away
 * does not close it). {@link TtyRelay} connects these to the client.</li>
 * </ul>
 */
final class ConmonStdio implements AutoCloseable {
    /** The terminal's log; conmon starts a new file once it exceeds {@link #TTY_LOG_MAX} bytes. */
    static final String TTY_LOG = "tty.log";
    static final long TTY_LOG_MAX = 8L << 20;

    private static final String PASSTHROUGH = " -l passthrough";
    private static final String TERMINAL = " -t --full-attach -l \"k8s-file:$5/" + TTY_LOG + "\" --log-size-max "
            + TTY_LOG_MAX;
    private static final String TERMINAL_STDIN = " -i --leave-stdin-open";

    private final String flags;
    private final String redirects;
    private final List<String> paths;
    private final BinaryLogger logger;

    private ConmonStdio(String flags, String redirects, List<String> paths, BinaryLogger logger) {
        this.flags = flags;
        this.redirects = redirects;
        this.paths = paths;
        this.logger = logger;
    }

    /**
     * Checks {@code io} without touching anything: INVALID_ARGUMENT for a stream value that
     * names no destination, a terminal with a {@code binary://} log, or a terminal that the
     * process spec does not ask for (or the other way round).
     */
    static LogUri.Streams check(ProcessIO io, boolean specTerminal) {
        LogUri.checkStdin(io.stdin());
        LogUri.Streams streams = LogUri.streams(io);
        if (io.terminal() != specTerminal) {
            throw ContainerjException.invalidArgument("terminal is %s in the IO but %s in the process spec",
                    io.terminal(), specTerminal);
        }
        if (streams.binary()) {
            BinaryLogger.check((LogUri.Binary) streams.stdout());
            if (io.terminal()) {
                throw ContainerjException.notImplemented("a binary:// log for a terminal is not implemented");
            }
        }
        return streams;
    }

    /**
     * Prepares the streams of the process in {@code dir}: creates the files output is appended
     * to, or starts the {@code binary://} program and waits until it is ready.
     */
    static ConmonStdio prepare(Path dir, String namespace, String containerId, ProcessIO io, Duration timeout) {
        LogUri.Streams streams = LogUri.streams(io);
        if (io.terminal()) {
            if (dir.toString().contains(":")) {
                throw ContainerjException.invalidArgument("terminal: conmon's log path %s must not contain ':'", dir);
            }
            path(streams.stdout()); // a file the relay appends to is created now, as without a terminal
            String flags = TERMINAL + (io.stdin().isEmpty() ? "" : TERMINAL_STDIN);
            return new ConmonStdio(flags, " 0<\"$7\" 1>\"$8\" 2>\"$9\"", List.of("/dev/null", "/dev/null",
                    "/dev/null"), null);
        }
        String stdin = io.stdin().isEmpty() ? "/dev/null" : io.stdin();
        if (streams.binary()) {
            BinaryLogger logger = BinaryLogger.start(dir, namespace, containerId, (LogUri.Binary) streams.stdout(),
                    timeout);
            return new ConmonStdio(PASSTHROUGH, " 0<\"$7\" 1>\"$8\" 2>\"$9\"", List.of(stdin,
                    logger.stdout().toString(), logger.stderr().toString()), logger);
        }
        return new ConmonStdio(PASSTHROUGH, " 0<\"$7\"" + redirect(1, 8, streams.stdout()) + redirect(2, 9,
                streams.stderr()), List.of(stdin, path(streams.stdout()), path(streams.stderr())), null);
    }

    private static String redirect(int fd, int parameter, LogUri.Target t) {
        String op = t instanceof LogUri.File ? ">>" : t instanceof LogUri.Fifo ? "<>" : ">";
        return " " + fd + op + "\"$" + parameter + "\"";
    }

    /** The path for a stream; a file to append to is created first (with its directories), as containerd does. */
    private static String path(LogUri.Target t) {
        if (t instanceof LogUri.Fifo f) {
            return f.path().toString();
        }
        if (t instanceof LogUri.File f) {
            try {
                if (f.path().getParent() != null && !Files.isDirectory(f.path().getParent())) {
                    Files.createDirectories(f.path().getParent(),
                            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
                }
                if (!Files.exists(f.path())) {
                    Files.newByteChannel(f.path(), java.util.Set.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                            StandardOpenOption.APPEND), PosixFilePermissions.asFileAttribute(
                                    PosixFilePermissions.fromString("rw-r--r--"))).close();
                }
            } catch (IOException e) {
                throw new ContainerjException(ErrorKind.UNKNOWN, "log file " + f.path() + ": " + e.getMessage(), e);
            }
            return f.path().toString();
        }
        return "/dev/null";
    }

    /** conmon's logging options (a constant fragment). */
    String flags() {
        return flags;
    }

    /** The shell's redirections of descriptors 0 to 2 (a constant fragment). */
    String redirects() {
        return redirects;
    }

    /** The values of {@code $7}, {@code $8} and {@code $9}. */
    List<String> paths() {
        return paths;
    }

    /** Stops the logging program of a creation that failed. */
    void abort(Path dir) {
        if (logger != null) {
            logger.release();
            BinaryLogger.kill(dir);
        }
    }

    /** Lets go of what was held while conmon started. */
    @Override
    public void close() {
        if (logger != null) {
            logger.release();
        }
    }
}
