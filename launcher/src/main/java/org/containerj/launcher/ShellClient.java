package org.containerj.launcher;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code containerj shell}: talks to the daemon's Gogo shell over {@code <state>/shell.sock}.
 *
 * <p>The protocol (the server side is {@code org.containerj.shell.impl.ShellServer}):
 * <ul>
 *   <li>the client sends one command per line, UTF-8, ending with {@code '\n'};</li>
 *   <li>the server answers with the command's output (always ending with {@code '\n'}),
 *       then a status line: a NUL byte, {@code '0'} (success) or {@code '1'} (failure),
 *       {@code '\n'};</li>
 *   <li>either side may close the connection between commands.</li>
 * </ul>
 * Command output never contains a NUL byte, so the client can print output as it arrives.
 */
final class ShellClient {

    static final byte STATUS_MARK = 0;
    private static final String PROMPT = "containerj> ";

    private final Path socket;
    private final PrintStream out;
    private final PrintStream err;

    ShellClient(Path socket, PrintStream out, PrintStream err) {
        this.socket = socket;
        this.out = out;
        this.err = err;
    }

    /** Runs the lines of {@code -c} one after another, stopping at the first that fails. */
    int runCommand(String commandText) {
        List<String> lines = commandText.lines().filter(l -> !l.isBlank()).toList();
        try (SocketChannel ch = connect()) {
            if (ch == null) {
                return 1;
            }
            for (String line : lines) {
                Integer status = execute(ch, line);
                if (status == null) {
                    err.println("containerj shell: the daemon closed the connection");
                    return 1;
                }
                if (status != 0) {
                    return status;
                }
            }
            return 0;
        } catch (IOException e) {
            err.println("containerj shell: " + e.getMessage());
            return 1;
        }
    }

    /** Reads commands from stdin until EOF, {@code exit} or {@code quit}. */
    int runInteractive() {
        boolean tty = System.console() != null;
        try (SocketChannel ch = connect()) {
            if (ch == null) {
                return 1;
            }
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            while (true) {
                if (tty) {
                    out.print(PROMPT);
                    out.flush();
                }
                String line = in.readLine();
                if (line == null) {
                    if (tty) {
                        out.println();
                    }
                    return 0;
                }
                String trimmed = line.trim();
                if (trimmed.isEmpty()) {
                    continue;
                }
                if (trimmed.equals("exit") || trimmed.equals("quit")) {
                    return 0;
                }
                if (execute(ch, line) == null) {
                    err.println("containerj shell: the daemon closed the connection");
                    return 1;
                }
            }
        } catch (IOException e) {
            err.println("containerj shell: " + e.getMessage());
            return 1;
        }
    }

    private SocketChannel connect() throws IOException {
        SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            ch.connect(UnixDomainSocketAddress.of(socket));
            return ch;
        } catch (IOException e) {
            ch.close();
            err.println("containerj shell: cannot connect to " + socket + ": " + e.getMessage()
                    + " (is the daemon running, and are you root?)");
            return null;
        }
    }

    /**
     * Sends one command and copies its output to {@link #out}.
     *
     * @return the status the server sent, or null if the connection ended first
     */
    Integer execute(SocketChannel ch, String line) throws IOException {
        ByteBuffer request = ByteBuffer.wrap((line.replace('\n', ' ') + "\n").getBytes(StandardCharsets.UTF_8));
        while (request.hasRemaining()) {
            ch.write(request);
        }
        return readResponse(ch, out);
    }

    /** Copies output up to the status mark and returns the status, or null at end of stream. */
    static Integer readResponse(SocketChannel ch, OutputStream sink) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(8192);
        boolean inStatus = false;
        int status = -1;
        while (true) {
            buf.clear();
            if (ch.read(buf) < 0) {
                sink.flush();
                return null;
            }
            buf.flip();
            byte[] a = buf.array();
            int start = 0;
            for (int i = 0; i < buf.limit(); i++) {
                if (inStatus) {
                    if (a[i] == '\n') {
                        return status;
                    }
                    status = status < 0 ? a[i] - '0' : status;
                } else if (a[i] == STATUS_MARK) {
                    sink.write(a, start, i - start);
                    sink.flush();
                    inStatus = true;
                }
            }
            if (!inStatus) {
                sink.write(a, start, buf.limit());
                sink.flush();
            }
        }
    }
}
