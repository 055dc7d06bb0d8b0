package org.containerj.shell.impl;

import org.apache.felix.service.command.CommandProcessor;
import org.apache.felix.service.command.CommandSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.framework.BundleContext;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.lang.reflect.Field;
import java.lang.reflect.Proxy;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ShellServerTest {

    /** A Gogo stand-in: "echo X" returns X, "say X" prints X without newline, anything else throws. */
    private static CommandProcessor processor() {
        return (CommandProcessor) Proxy.newProxyInstance(ShellServerTest.class.getClassLoader(),
                new Class<?>[] {CommandProcessor.class}, (p, m, a) -> {
                    if (!m.getName().equals("createSession")) {
                        throw new UnsupportedOperationException(m.getName());
                    }
                    PrintStream out = new PrintStream((OutputStream) a[1], true, StandardCharsets.UTF_8);
                    return Proxy.newProxyInstance(ShellServerTest.class.getClassLoader(),
                            new Class<?>[] {CommandSession.class}, (s, sm, sa) -> switch (sm.getName()) {
                                case "execute" -> {
                                    String line = sa[0].toString();
                                    if (line.startsWith("echo ")) {
                                        yield line.substring(5);
                                    }
                                    if (line.startsWith("say ")) {
                                        out.print(line.substring(4) + "\0");
                                        yield null;
                                    }
                                    throw new IllegalArgumentException("Command not found: " + line);
                                }
                                case "format" -> sa[0].toString();
                                case "close", "put" -> null;
                                default -> throw new UnsupportedOperationException(sm.getName());
                            });
                });
    }

    private static BundleContext context(Path state) {
        return (BundleContext) Proxy.newProxyInstance(ShellServerTest.class.getClassLoader(),
                new Class<?>[] {BundleContext.class}, (p, m, a) -> {
                    if (m.getName().equals("getProperty") && "containerj.state".equals(a[0])) {
                        return state.toString();
                    }
                    return null;
                });
    }

    private static String exchange(SocketChannel ch, String line) throws IOException {
        ch.write(ByteBuffer.wrap((line + "\n").getBytes(StandardCharsets.UTF_8)));
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        ByteBuffer buf = ByteBuffer.allocate(1);
        boolean mark = false;
        while (ch.read(buf.clear()) > 0) {
            byte b = buf.get(0);
            got.write(b);
            mark |= b == 0;
            if (mark && b == '\n') {
                break;
            }
        }
        return got.toString(StandardCharsets.UTF_8);
    }

    @Test
    void servesCommandsWithStatusLinesOnARootOnlySocket(@TempDir Path state) throws Exception {
        ShellServer server = new ShellServer();
        Field f = ShellServer.class.getDeclaredField("processor");
        f.setAccessible(true);
        f.set(server, processor());
        Path socket = state.resolve("shell.sock");
        Files.writeString(socket, "stale"); // a leftover file is replaced
        server.activate(context(state));
        try {
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(socket)));
            try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
                ch.connect(UnixDomainSocketAddress.of(socket));
                assertEquals("hello\n\0" + "0\n", exchange(ch, "echo hello"));
                assertEquals("Error: Command not found: nope\n\0" + "1\n", exchange(ch, "nope"));
                assertEquals("no newline?\n\0" + "0\n", exchange(ch, "say no newline"));
                assertEquals("\0" + "0\n", exchange(ch, "   "));
            }
            // a second server on the same live socket must not steal it
            assertThrows(IOException.class, () -> ShellServer.listen(socket).close());
        } finally {
            server.deactivate();
        }
        assertFalse(Files.exists(socket));
    }

    @Test
    void staleSocketIsRemoved(@TempDir Path state) throws Exception {
        Path socket = state.resolve("shell.sock");
        ServerSocketChannel old = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        old.bind(UnixDomainSocketAddress.of(socket));
        old.close(); // the file stays, nobody listens
        assertTrue(Files.exists(socket));
        ShellServer.listen(socket).close();
    }
}
