package org.containerj.itests.support;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A TCP proxy on 127.0.0.1 in front of another local port, pacing what flows back to the
 * client (all connections together) to a rate that can be changed while it runs, and
 * counting those bytes: a registry slowed down enough to act in the middle of a download.
 */
public final class ThrottlingProxy implements AutoCloseable {
    private final ServerSocket listener;
    private final int upstreamPort;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private final AtomicLong downstream = new AtomicLong();
    private final Thread acceptor;
    private volatile long bytesPerSecond;
    private volatile boolean closed;
    /** Pacing: when the bytes sent so far may have been sent at the rate. */
    private long paceStart = System.nanoTime();
    private long paced;

    public ThrottlingProxy(int upstreamPort, long bytesPerSecond) throws IOException {
        this.upstreamPort = upstreamPort;
        this.bytesPerSecond = bytesPerSecond;
        listener = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"));
        acceptor = new Thread(this::accept, "itests-proxy-accept");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    public String host() {
        return "127.0.0.1:" + listener.getLocalPort();
    }

    /** Bytes sent back to clients so far. */
    public long downstreamBytes() {
        return downstream.get();
    }

    /** A new rate from now on; 0 for no limit. */
    public synchronized void setRate(long bytesPerSecond) {
        this.bytesPerSecond = bytesPerSecond;
        paceStart = System.nanoTime();
        paced = 0;
    }

    private void accept() {
        while (!closed) {
            try {
                Socket client = listener.accept();
                Socket upstream = new Socket(InetAddress.getByName("127.0.0.1"), upstreamPort);
                sockets.add(client);
                sockets.add(upstream);
                pump(client.getInputStream(), upstream.getOutputStream(), false, client, upstream);
                pump(upstream.getInputStream(), client.getOutputStream(), true, client, upstream);
            } catch (IOException e) {
                if (!closed) {
                    System.err.println("itests: proxy accept: " + e);
                }
            }
        }
    }

    private void pump(InputStream in, OutputStream out, boolean down, Socket a, Socket b) {
        Thread t = new Thread(() -> {
            byte[] buffer = new byte[16 * 1024];
            try {
                int n;
                while ((n = in.read(buffer)) >= 0) {
                    if (down) {
                        pace(n);
                        downstream.addAndGet(n);
                    }
                    out.write(buffer, 0, n);
                    out.flush();
                }
            } catch (IOException | InterruptedException e) {
                // one side went away
            } finally {
                closeQuietly(a);
                closeQuietly(b);
            }
        }, "itests-proxy-pump");
        t.setDaemon(true);
        t.start();
    }

    /** Waits until sending {@code n} more bytes keeps to the rate. */
    private void pace(int n) throws InterruptedException {
        long waitNanos;
        synchronized (this) {
            long rate = bytesPerSecond;
            if (rate <= 0) {
                return;
            }
            paced += n;
            long due = paceStart + paced * 1_000_000_000L / rate;
            waitNanos = due - System.nanoTime();
        }
        if (waitNanos > 0) {
            Thread.sleep(waitNanos / 1_000_000, (int) (waitNanos % 1_000_000));
        }
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException e) {
            // already closed
        }
    }

    @Override
    public void close() {
        closed = true;
        try {
            listener.close();
        } catch (IOException e) {
            // closing anyway
        }
        sockets.forEach(ThrottlingProxy::closeQuietly);
    }
}
