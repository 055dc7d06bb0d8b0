package org.containerj.shell.impl;

import org.apache.felix.service.command.CommandProcessor;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.tinylog.Logger;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Listens on {@code <containerj.state>/shell.sock} (mode 0600, owned by the daemon's
 * user) and runs a Gogo session for each connection; {@code containerj shell} is the
 * client. No TCP port is ever opened. The line protocol is described in
 * {@link ShellSession}.
 *
 * <p>At most {@link #MAX_SESSIONS} sessions run at once, each on a thread of the
 * component's own executor; one more thread accepts connections.
 */
@Component(immediate = true)
public final class ShellServer {

    static final String SOCKET_NAME = "shell.sock";
    static final int MAX_SESSIONS = 4;

    @Reference
    private CommandProcessor processor;

    private final Set<SocketChannel> connections = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;
    private Path socket;
    private ServerSocketChannel server;
    private ExecutorService sessions;
    private Thread acceptor;

    @Activate
    void activate(BundleContext context) throws IOException {
        String state = context.getProperty("containerj.state");
        if (state == null || state.isBlank()) {
            throw new IllegalStateException("framework property containerj.state is not set");
        }
        socket = Path.of(state, SOCKET_NAME);
        server = listen(socket);
        sessions = new ThreadPoolExecutor(0, MAX_SESSIONS, 60, TimeUnit.SECONDS, new SynchronousQueue<>(),
                threads("containerj-shell-session-"));
        acceptor = new Thread(this::acceptLoop, "containerj-shell-acceptor");
        acceptor.setDaemon(true);
        acceptor.start();
        Logger.info("shell listening on {}", socket);
    }

    @Deactivate
    void deactivate() {
        closed = true;
        closeQuietly(server);
        for (SocketChannel ch : connections) {
            closeQuietly(ch);
        }
        sessions.shutdownNow();
        try {
            acceptor.join(2000);
            sessions.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            Files.deleteIfExists(socket);
        } catch (IOException e) {
            Logger.warn("cannot remove {}: {}", socket, e.toString());
        }
    }

    /**
     * Binds the socket: a stale socket file from an earlier run is removed, but a
     * socket some other process still listens on is left alone and activation fails.
     */
    static ServerSocketChannel listen(Path socket) throws IOException {
        Files.createDirectories(socket.getParent());
        if (Files.exists(socket)) {
            try (SocketChannel probe = SocketChannel.open(StandardProtocolFamily.UNIX)) {
                probe.connect(UnixDomainSocketAddress.of(socket));
                throw new IOException(socket + " is in use by another process");
            } catch (IOException refused) {
                if (refused.getMessage() != null && refused.getMessage().endsWith("in use by another process")) {
                    throw refused;
                }
                Files.delete(socket);
            }
        }
        ServerSocketChannel ch = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            ch.bind(UnixDomainSocketAddress.of(socket));
            Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-------"));
            return ch;
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    private void acceptLoop() {
        while (!closed) {
            SocketChannel ch;
            try {
                ch = server.accept();
            } catch (ClosedChannelException e) {
                return;
            } catch (IOException e) {
                if (!closed) {
                    Logger.error(e, "shell socket accept failed; the shell is unavailable");
                }
                return;
            }
            if (!PeerCheck.allowed(ch)) {
                ShellSession.reject(ch, "permission denied");
                continue;
            }
            connections.add(ch);
            try {
                sessions.execute(() -> {
                    try {
                        new ShellSession(processor, ch).run();
                    } finally {
                        connections.remove(ch);
                        closeQuietly(ch);
                    }
                });
            } catch (RejectedExecutionException e) {
                connections.remove(ch);
                ShellSession.reject(ch, "too many shell sessions (at most " + MAX_SESSIONS + ")");
            }
        }
    }

    private static java.util.concurrent.ThreadFactory threads(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    private static void closeQuietly(java.io.Closeable c) {
        try {
            if (c != null) {
                c.close();
            }
        } catch (IOException e) {
            // closing anyway
        }
    }
}
