package org.containerj.shell.impl;

import org.apache.felix.service.command.CommandProcessor;
import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Converter;
import org.tinylog.Logger;

import java.io.BufferedReader;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;

/**
 * One connection to the shell socket: a Gogo session fed line by line.
 *
 * <p>Protocol (the client is {@code org.containerj.launcher.ShellClient}):
 * <ul>
 *   <li>the client sends one command per line, UTF-8, ending with {@code '\n'};</li>
 *   <li>the server runs it in the session and sends everything the command printed,
 *       then its result formatted by the session, or {@code Error: <message>} when it
 *       threw; the output always ends with {@code '\n'};</li>
 *   <li>then a status line: a NUL byte, {@code '0'} for success or {@code '1'} for
 *       failure, {@code '\n'}. Output never contains NUL (it is replaced by {@code '?'}),
 *       so the client can stream output until it sees the NUL.</li>
 * </ul>
 * Commands get an empty stdin: they cannot read the socket.
 */
final class ShellSession implements Runnable {

    static final int STATUS_MARK = 0;

    private final CommandProcessor processor;
    private final SocketChannel channel;

    ShellSession(CommandProcessor processor, SocketChannel channel) {
        this.processor = processor;
        this.channel = channel;
    }

    @Override
    public void run() {
        FramedOutput framed = new FramedOutput(Channels.newOutputStream(channel));
        PrintStream out = new PrintStream(framed, true, StandardCharsets.UTF_8);
        BufferedReader in = new BufferedReader(
                new InputStreamReader(Channels.newInputStream(channel), StandardCharsets.UTF_8));
        try (CommandSession session = processor.createSession(InputStream.nullInputStream(), out, out)) {
            // containerj's commands win over same-named ones (felix:info); scope:name reaches any
            session.put("SCOPE", "containerj:*");
            String line;
            while ((line = in.readLine()) != null) {
                boolean ok = execute(session, line, out);
                out.flush();
                framed.endResponse(ok);
            }
        } catch (IOException e) {
            Logger.debug("shell connection closed: {}", e.toString());
        } catch (Exception e) {
            Logger.warn(e, "shell session failed");
        }
    }

    /** Runs one line; prints its result or error. */
    static boolean execute(CommandSession session, String line, PrintStream out) {
        if (line.isBlank()) {
            return true;
        }
        try {
            Object result = session.execute(line);
            if (result != null) {
                String text = session.format(result, Converter.INSPECT).toString();
                out.print(text.endsWith("\n") ? text : text + "\n");
            }
            return true;
        } catch (Exception e) {
            String message = e.getMessage() == null ? e.toString() : e.getMessage();
            out.println("Error: " + message);
            Logger.debug(e, "shell command failed: {}", line);
            return false;
        }
    }

    /** Answers a connection that is not served with one error response, then closes it. */
    static void reject(SocketChannel ch, String why) {
        try (ch; FramedOutput out = new FramedOutput(Channels.newOutputStream(ch))) {
            out.write(("Error: " + why + "\n").getBytes(StandardCharsets.UTF_8));
            out.endResponse(false);
        } catch (IOException e) {
            // the client went away
        }
    }

    /** Command output with NUL removed, and the status line after each response. */
    static final class FramedOutput extends FilterOutputStream {
        private int last = '\n';

        FramedOutput(OutputStream out) {
            super(out);
        }

        @Override
        public void write(int b) throws IOException {
            b = b == STATUS_MARK ? '?' : b;
            out.write(b);
            last = b;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            if (len == 0) {
                return;
            }
            byte[] copy = java.util.Arrays.copyOfRange(b, off, off + len);
            for (int i = 0; i < copy.length; i++) {
                if (copy[i] == STATUS_MARK) {
                    copy[i] = '?';
                }
            }
            out.write(copy);
            last = copy[copy.length - 1];
        }

        /** Ends the current response: a newline if the output lacks one, then the status line. */
        void endResponse(boolean ok) throws IOException {
            if (last != '\n') {
                out.write('\n');
            }
            out.write(new byte[] {STATUS_MARK, (byte) (ok ? '0' : '1'), '\n'});
            out.flush();
            last = '\n';
        }
    }
}
