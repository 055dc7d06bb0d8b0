package org.containerj.launcher;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;

class ShellClientTest {

    /** A fake server: "ok" succeeds, anything else fails. */
    private static Thread serve(ServerSocketChannel server) {
        Thread t = new Thread(() -> {
            try (SocketChannel ch = server.accept()) {
                BufferedReader in = new BufferedReader(new InputStreamReader(Channels.newInputStream(ch), StandardCharsets.UTF_8));
                OutputStream out = Channels.newOutputStream(ch);
                String line;
                while ((line = in.readLine()) != null) {
                    boolean ok = line.equals("ok");
                    out.write(((ok ? "fine" : "Error: no " + line) + "\n\0" + (ok ? "0" : "1") + "\n")
                            .getBytes(StandardCharsets.UTF_8));
                    out.flush();
                }
            } catch (Exception e) {
                // test ends
            }
        });
        t.start();
        return t;
    }

    @Test
    void commandStatusBecomesExitCode(@TempDir Path dir) throws Exception {
        Path sock = dir.resolve("shell.sock");
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(sock));
            Thread t = serve(server);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ShellClient client = new ShellClient(sock, new PrintStream(out, true, StandardCharsets.UTF_8), System.err);
            assertEquals(1, client.runCommand("ok\nbad\nok"));
            assertEquals("fine\nError: no bad\n", out.toString(StandardCharsets.UTF_8));
            t.join(5000);
        }
    }
}
