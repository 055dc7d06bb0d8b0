package org.containerj.itests.support;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * A registry that misbehaves on purpose, on 127.0.0.1 (the JDK's HTTP server): each
 * repository serves one small image, manifests under their tag, and a {@link Fault} that
 * spoils one part of it: a blob whose bytes do not match its digest, a blob cut short, a
 * manifest that is not JSON, a server error, a blob that hangs after a few bytes.
 */
public final class FakeRegistryServer implements AutoCloseable {
    public enum Fault {
        NONE, WRONG_DIGEST, TRUNCATED, NOT_JSON, SERVER_ERROR, HANG
    }

    private record Repo(OciImageTar image, Fault fault) {
    }

    private final HttpServer server;
    private final ExecutorService executor = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "itests-fake-registry");
        t.setDaemon(true);
        return t;
    });
    private final Map<String, Repo> repos = new ConcurrentHashMap<>();
    private final CountDownLatch closing = new CountDownLatch(1);

    public FakeRegistryServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), 16);
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        server.start();
    }

    /** {@code 127.0.0.1:PORT}. */
    public String host() {
        return "127.0.0.1:" + server.getAddress().getPort();
    }

    /** Serves {@code image} as {@code repository:1}, spoiled by {@code fault}. */
    public void serve(String repository, OciImageTar image, Fault fault) {
        repos.put(repository, new Repo(image, fault));
    }

    private void handle(HttpExchange x) throws IOException {
        try (x) {
            String path = x.getRequestURI().getPath();
            boolean head = x.getRequestMethod().equals("HEAD");
            if (path.equals("/v2/") || path.equals("/v2")) {
                send(x, 200, "application/json", "{}".getBytes(StandardCharsets.UTF_8), head);
                return;
            }
            int m = path.indexOf("/manifests/");
            int b = path.indexOf("/blobs/");
            int split = m >= 0 ? m : b;
            if (!path.startsWith("/v2/") || split < 0) {
                send(x, 404, "application/json", error("NAME_UNKNOWN"), head);
                return;
            }
            Repo repo = repos.get(path.substring(4, split));
            if (repo == null) {
                send(x, 404, "application/json", error("NAME_UNKNOWN"), head);
                return;
            }
            String object = path.substring(path.indexOf('/', split + 1) + 1);
            OciImageTar img = repo.image;
            if (m >= 0) {
                if (repo.fault == Fault.SERVER_ERROR) {
                    send(x, 500, "application/json", error("UNKNOWN"), head);
                    return;
                }
                byte[] manifest = repo.fault == Fault.NOT_JSON ? "<html>this is not a manifest</html>".getBytes(
                        StandardCharsets.UTF_8) : img.manifest;
                String digest = OciImageTar.sha256(manifest);
                if (!object.equals("1") && !object.equals(digest)) {
                    send(x, 404, "application/json", error("MANIFEST_UNKNOWN"), head);
                    return;
                }
                x.getResponseHeaders().add("Docker-Content-Digest", digest);
                send(x, 200, OciImageTar.MANIFEST_TYPE, manifest, head);
                return;
            }
            byte[] blob = object.equals(img.configDigest) ? img.config : object.equals(img.layerDigest) ? img.layer : null;
            if (blob == null) {
                send(x, 404, "application/json", error("BLOB_UNKNOWN"), head);
                return;
            }
            boolean layer = blob == img.layer;
            x.getResponseHeaders().add("Docker-Content-Digest", object);
            if (head || !layer) {
                send(x, 200, "application/octet-stream", blob, head);
                return;
            }
            switch (repo.fault) {
                case WRONG_DIGEST -> {
                    byte[] bad = blob.clone();
                    bad[bad.length / 2] ^= 0x5a;
                    send(x, 200, "application/octet-stream", bad, false);
                }
                case TRUNCATED -> {
                    x.getResponseHeaders().add("Content-Type", "application/octet-stream");
                    x.sendResponseHeaders(200, blob.length);
                    OutputStream out = x.getResponseBody();
                    out.write(blob, 0, blob.length / 2);
                    out.flush();
                    // closing now leaves the body short: the connection goes away with fewer bytes than announced
                }
                case HANG -> {
                    x.getResponseHeaders().add("Content-Type", "application/octet-stream");
                    x.sendResponseHeaders(200, blob.length);
                    OutputStream out = x.getResponseBody();
                    out.write(blob, 0, 16);
                    out.flush();
                    try {
                        closing.await(120, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                default -> send(x, 200, "application/octet-stream", blob, false);
            }
        }
    }

    private static byte[] error(String code) {
        return ("{\"errors\":[{\"code\":\"" + code + "\",\"message\":\"" + code.toLowerCase() + "\"}]}")
                .getBytes(StandardCharsets.UTF_8);
    }

    private static void send(HttpExchange x, int status, String type, byte[] body, boolean head) throws IOException {
        x.getResponseHeaders().add("Content-Type", type);
        x.getResponseHeaders().add("Docker-Distribution-Api-Version", "registry/2.0");
        if (head) {
            x.getResponseHeaders().add("Content-Length", Integer.toString(body.length));
            x.sendResponseHeaders(status, -1);
        } else {
            x.sendResponseHeaders(status, body.length);
            x.getResponseBody().write(body);
        }
    }

    @Override
    public void close() {
        closing.countDown();
        server.stop(0);
        executor.shutdownNow();
    }
}
