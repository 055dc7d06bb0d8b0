package org.containerj.registry.impl;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * A scripted registry for edge cases, on 127.0.0.1: handlers per method and path
 * (without query); anything else 404. Records the requests it got. Handlers that hang
 * wait on {@link #release}, which {@link #close()} opens (bounded waits in any case).
 */
final class FakeRegistry implements AutoCloseable {

    interface Handler {
        void handle(HttpExchange ex) throws IOException;
    }

    record Recorded(String method, String path, String query, Headers headers) {
        String header(String name) {
            return headers.getFirst(name);
        }
    }

    final CountDownLatch release = new CountDownLatch(1);
    final List<Recorded> requests = new CopyOnWriteArrayList<>();
    private final Map<String, Handler> routes = new ConcurrentHashMap<>();
    private final HttpServer server;
    private final ExecutorService executor = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "fake-registry");
        t.setDaemon(true);
        return t;
    });

    FakeRegistry() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), 50);
        server.setExecutor(executor);
        server.createContext("/", ex -> {
            String path = ex.getRequestURI().getRawPath();
            requests.add(new Recorded(ex.getRequestMethod(), path, ex.getRequestURI().getRawQuery(),
                    ex.getRequestHeaders()));
            Handler h = routes.get(ex.getRequestMethod() + " " + path);
            try {
                if (h == null) {
                    ex.getResponseHeaders().set("Content-Type", "application/json");
                    send(ex, 404, "{\"errors\":[{\"code\":\"NAME_UNKNOWN\",\"message\":\"not here\"}]}".getBytes());
                } else {
                    h.handle(ex);
                }
            } catch (IOException | RuntimeException e) {
                // the client went away, or a handler cut the connection on purpose
            } finally {
                ex.close();
            }
        });
        server.start();
    }

    String host() {
        return "127.0.0.1:" + server.getAddress().getPort();
    }

    FakeRegistry on(String method, String path, Handler h) {
        routes.put(method + " " + path, h);
        return this;
    }

    List<Recorded> requests(String method, String path) {
        return requests.stream().filter(r -> r.method.equals(method) && r.path.equals(path)).toList();
    }

    /** Waits (bounded) until the test releases hanging handlers. */
    void hang() {
        try {
            release.await(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static void send(HttpExchange ex, int status, byte[] body) throws IOException {
        if (ex.getRequestMethod().equals("HEAD")) {
            ex.getResponseHeaders().set("Content-Length", String.valueOf(body.length));
            ex.sendResponseHeaders(status, -1);
            return;
        }
        ex.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        if (body.length > 0) {
            try (OutputStream out = ex.getResponseBody()) {
                out.write(body);
            }
        }
    }

    @Override
    public void close() {
        release.countDown();
        server.stop(0);
        executor.shutdownNow();
    }
}
