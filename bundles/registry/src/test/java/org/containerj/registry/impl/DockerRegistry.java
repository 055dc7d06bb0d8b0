package org.containerj.registry.impl;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.HttpURLConnection;
import java.net.InetAddress;
import java.net.Proxy;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Debian's {@code docker-registry} (the CNCF distribution server, 2.8) as a real process
 * on {@code 127.0.0.1} on a free port, storing into a directory of its own under /tmp
 * that {@link #close()} removes. {@code auth} is an optional YAML {@code auth:} section
 * (token mode). Only 127.0.0.1 is contacted.
 */
final class DockerRegistry implements AutoCloseable {
    static final String BINARY = "/usr/bin/docker-registry";
    static final Duration START_TIMEOUT = Duration.ofSeconds(30);

    private final Path dir;
    private final int port;
    private final Process process;

    private DockerRegistry(String auth) throws IOException {
        this.dir = Files.createTempDirectory(Path.of("/tmp"), "cjreg-unit-");
        this.port = freePort();
        Path storage = Files.createDirectories(dir.resolve("storage"));
        Path config = dir.resolve("config.yml");
        Files.writeString(config, """
                version: 0.1
                log:
                  level: info
                  accesslog:
                    disabled: true
                storage:
                  filesystem:
                    rootdirectory: %s
                  delete:
                    enabled: true
                http:
                  addr: 127.0.0.1:%d
                %s
                """.formatted(storage, port, auth == null ? "" : auth));
        process = new ProcessBuilder(BINARY, "serve", config.toString())
                .directory(dir.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("registry.log").toFile()))
                .start();
    }

    /** Starts it and waits (bounded) until {@code GET /v2/} answers (200, or 401 with auth). */
    static DockerRegistry start(String auth) {
        if (!Files.isExecutable(Path.of(BINARY))) {
            throw new AssertionError(BINARY + " is not installed: run scripts/setup-host.sh (Debian's docker-registry)");
        }
        DockerRegistry r;
        try {
            r = new DockerRegistry(auth);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try {
            r.awaitReady();
            return r;
        } catch (RuntimeException | Error e) {
            r.close();
            throw e;
        }
    }

    Path dir() {
        return dir;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            return s.getLocalPort();
        }
    }

    private void awaitReady() {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        String last = "nothing yet";
        while (System.nanoTime() - deadline < 0) {
            if (!process.isAlive()) {
                throw new AssertionError("docker-registry exited with " + process.exitValue() + "\n" + log());
            }
            try {
                HttpURLConnection c = (HttpURLConnection) URI.create("http://127.0.0.1:" + port + "/v2/").toURL()
                        .openConnection(Proxy.NO_PROXY);
                c.setConnectTimeout(1000);
                c.setReadTimeout(2000);
                int code = c.getResponseCode();
                c.disconnect();
                if (code == 200 || code == 401) {
                    return;
                }
                last = "HTTP " + code;
            } catch (IOException e) {
                last = e.toString();
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
        throw new AssertionError("docker-registry not ready within " + START_TIMEOUT + " (" + last + ")\n" + log());
    }

    String host() {
        return "127.0.0.1:" + port;
    }

    String log() {
        try {
            return Files.readString(dir.resolve("registry.log"), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    @Override
    public void close() {
        try {
            if (process.isAlive()) {
                process.destroy();
                if (!process.waitFor(10, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                    process.waitFor(10, TimeUnit.SECONDS);
                }
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        } finally {
            try (Stream<Path> walk = Files.walk(dir)) {
                for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            } catch (IOException | UncheckedIOException e) {
                System.err.println("cannot remove " + dir + ": " + e);
            }
        }
    }
}
