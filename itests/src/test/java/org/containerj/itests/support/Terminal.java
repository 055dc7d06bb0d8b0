package org.containerj.itests.support;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * A command run on a real pseudo-terminal, as a person at a terminal runs it: util-linux
 * {@code script -qfec CMD /dev/null} (package bsdutils, essential on Debian) allocates the
 * pty and copies between it and this object, which types into it and collects what it
 * prints. The pty starts with a given size ({@code stty rows R cols C} runs first, in the
 * pty), and {@link #resize} changes it the way a terminal window does: the kernel then
 * sends SIGWINCH to the program in the foreground ({@code ctr}, which passes the size on
 * with ResizePty).
 *
 * <p>{@code script} runs {@code CMD} through a shell, so the command is built from
 * single-quoted words; the arguments come from the tests, not from outside.
 */
public final class Terminal implements AutoCloseable {
    private final Process script;
    private final List<String> command;
    private final ByteArrayOutputStream output = new ByteArrayOutputStream();
    private final OutputStream keyboard;
    private final Thread reader;

    private Terminal(Process script, List<String> command) {
        this.script = script;
        this.command = command;
        this.keyboard = script.getOutputStream();
        this.reader = new Thread(this::collect, "itests-terminal-reader");
        reader.setDaemon(true);
        reader.start();
    }

    /** Starts {@code command} on a new pty of {@code rows} x {@code columns}. */
    public static Terminal start(int rows, int columns, List<String> command) {
        String line = "stty rows " + rows + " cols " + columns + " && exec "
                + command.stream().map(Terminal::quote).collect(Collectors.joining(" "));
        try {
            Process p = new ProcessBuilder("script", "-qfec", line, "/dev/null").redirectErrorStream(true).start();
            return new Terminal(p, command);
        } catch (IOException e) {
            throw new AssertionError("cannot run script(1) (util-linux): " + e, e);
        }
    }

    private static String quote(String word) {
        return "'" + word.replace("'", "'\\''") + "'";
    }

    private void collect() {
        byte[] b = new byte[4096];
        try (InputStream in = script.getInputStream()) {
            int n;
            while ((n = in.read(b)) > 0) {
                synchronized (output) {
                    output.write(b, 0, n);
                    output.notifyAll();
                }
            }
        } catch (IOException e) {
            // the terminal went away
        }
    }

    /** Everything the terminal showed so far. */
    public String output() {
        synchronized (output) {
            return output.toString(StandardCharsets.UTF_8);
        }
    }

    /** Types {@code keys} (use {@code \r} for Enter, {@code \u0003} for Ctrl-C). */
    public void type(String keys) {
        try {
            keyboard.write(keys.getBytes(StandardCharsets.UTF_8));
            keyboard.flush();
        } catch (IOException e) {
            throw new AssertionError("the terminal is gone, cannot type " + keys + ":\n" + output(), e);
        }
    }

    /** Waits until the terminal showed {@code text} (after position {@code from} of the output). */
    public void await(String text, int from, Duration timeout) {
        Wait.until(timeout, () -> {
            String all = output();
            return all.length() >= from && all.indexOf(text, from) >= 0;
        }, () -> "\"" + text + "\" on the terminal of " + String.join(" ", command) + "; it shows:\n" + output());
    }

    public void await(String text, Duration timeout) {
        await(text, 0, timeout);
    }

    /** The pty the command runs on ({@code /dev/pts/N}), from the command's standard input. */
    public Path pty() {
        return Wait.forValue(Duration.ofSeconds(10), () -> {
            Optional<ProcessHandle> child = script.children().findFirst();
            if (child.isEmpty()) {
                return null;
            }
            Path tty = Files.readSymbolicLink(Path.of("/proc", Long.toString(child.get().pid()), "fd", "0"));
            return tty.toString().startsWith("/dev/pts/") ? tty : null;
        }, () -> "the pty of " + String.join(" ", command));
    }

    /** Sets the pty's size, as resizing a terminal window does (the foreground program gets SIGWINCH). */
    public void resize(int rows, int columns, Path scratch) {
        Exec.run(List.of("stty", "-F", pty().toString(), "rows", Integer.toString(rows), "cols",
                Integer.toString(columns)), Duration.ofSeconds(10), scratch).assertOk();
    }

    /** Waits for the command to end; script's exit code is the command's. */
    public int awaitExit(Duration timeout) {
        try {
            if (!script.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new AssertionError(String.join(" ", command) + " did not end within " + timeout.toSeconds()
                        + " s; the terminal shows:\n" + output());
            }
            reader.join(5000);
            return script.exitValue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    public boolean isAlive() {
        return script.isAlive();
    }

    /** Ends the command (and script) if it still runs. */
    @Override
    public void close() {
        List<ProcessHandle> all = new ArrayList<>(script.descendants().toList());
        all.forEach(ProcessHandle::destroyForcibly);
        script.destroyForcibly();
        try {
            script.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            keyboard.close();
        } catch (IOException ignored) {
            // already gone
        }
    }
}
