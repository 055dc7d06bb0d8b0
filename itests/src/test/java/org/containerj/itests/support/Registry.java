package org.containerj.itests.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.HttpURLConnection;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Debian's {@code docker-registry} (the CNCF distribution server) as a real process on
 * {@code 127.0.0.1}, on a free port, storing into a temporary directory of its own under
 * {@code /tmp}. Only 127.0.0.1 is ever contacted. {@link #close()} stops it and removes the
 * directory, keeping a copy of its log under {@code itests/target/itests-work}.
 */
public final class Registry implements AutoCloseable {
    public static final String BINARY = "/usr/bin/docker-registry";
    public static final Duration START_TIMEOUT = Duration.ofSeconds(30);

    private final Path dir;
    private final Path logFile;
    private final Path keepLogsIn;
    private final int port;
    private final Thread killOnExit;
    private Process process;

    private Registry(Path keepLogsIn) throws IOException {
        this(keepLogsIn, "");
    }

    private Registry(Path keepLogsIn, String extraConfig) throws IOException {
        this.keepLogsIn = keepLogsIn;
        this.dir = Files.createTempDirectory(Path.of("/tmp"), "cjreg-");
        this.logFile = dir.resolve("registry.log");
        this.port = freePort();
        Path storage = Files.createDirectories(dir.resolve("storage"));
        Path config = dir.resolve("config.yml");
        Files.writeString(config, """
                # written by the integration tests (org.containerj.itests.support.Registry)
                version: 0.1
                log:
                  level: warn
                  accesslog:
                    disabled: true
                storage:
                  filesystem:
                    rootdirectory: %s
                  delete:
                    enabled: true
                http:
                  addr: 127.0.0.1:%d
                """.formatted(storage, port) + extraConfig);
        Files.createFile(logFile);
        this.killOnExit = new Thread(this::killQuietly, "itests-registry-kill");
        Runtime.getRuntime().addShutdownHook(killOnExit);
        process = new ProcessBuilder(BINARY, "serve", config.toString())
                .directory(dir.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
                .start();
    }

    /** Starts the registry and waits until {@code GET /v2/} answers 200. */
    public static Registry launch() {
        return launch("", 200);
    }

    /**
     * Starts a registry of its own whose configuration ends with {@code extraConfig} (YAML,
     * e.g. an {@code auth:} section), and waits until {@code GET /v2/} answers
     * {@code readyStatus} (401 for a registry that wants authentication). The caller closes it.
     */
    public static Registry launch(String extraConfig, int readyStatus) {
        if (!Files.isExecutable(Path.of(BINARY))) {
            throw new AssertionError(BINARY + " is not installed: run scripts/setup-host.sh (Debian's docker-registry)");
        }
        Path keep = Path.of(System.getProperty("containerj.itests.work", "target/itests-work"));
        Registry r;
        try {
            r = new Registry(keep, extraConfig);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + BINARY, e);
        }
        try {
            r.awaitReady(readyStatus);
            return r;
        } catch (RuntimeException | Error e) {
            r.close();
            throw e;
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            s.setReuseAddress(true);
            return s.getLocalPort();
        }
    }

    private void awaitReady(int readyStatus) {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        String last = "nothing yet";
        while (true) {
            if (!process.isAlive()) {
                throw new AssertionError("docker-registry exited with code " + process.exitValue()
                        + " before it was ready\n" + log());
            }
            try {
                int code = status("/v2/");
                if (code == readyStatus) {
                    return;
                }
                last = "HTTP " + code;
            } catch (IOException e) {
                last = e.toString();
            }
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("docker-registry did not answer GET /v2/ with " + readyStatus + " within "
                        + START_TIMEOUT.toSeconds() + " s (last: " + last + ")\n" + log());
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted", e);
            }
        }
    }

    /**
     * The HTTP status of {@code GET path} on the registry, accepting OCI and Docker manifests
     * (the registry answers 404 for an OCI manifest a client does not say it accepts).
     */
    public int status(String path) throws IOException {
        HttpURLConnection c = (HttpURLConnection) URI.create("http://127.0.0.1:" + port + path).toURL()
                .openConnection(java.net.Proxy.NO_PROXY);
        c.setConnectTimeout(2000);
        c.setReadTimeout(5000);
        c.setRequestProperty("Accept", "application/vnd.oci.image.manifest.v1+json, "
                + "application/vnd.oci.image.index.v1+json, application/vnd.docker.distribution.manifest.v2+json");
        try {
            int code = c.getResponseCode();
            (code >= 400 ? c.getErrorStream() : c.getInputStream()).readAllBytes();
            return code;
        } finally {
            c.disconnect();
        }
    }

    /** {@code 127.0.0.1:PORT}, the host part of image references pushed to this registry. */
    public String host() {
        return "127.0.0.1:" + port;
    }

    public int port() {
        return port;
    }

    public boolean isRunning() {
        return process != null && process.isAlive();
    }

    /** Everything the registry printed. */
    public String log() {
        try {
            return "--- " + logFile + " ---\n" + Files.readString(logFile, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(cannot read " + logFile + ": " + e + ")";
        }
    }

    private void killQuietly() {
        Process p = process;
        if (p != null && p.isAlive()) {
            p.destroyForcibly();
        }
    }

    /** Stops the registry (SIGTERM, then SIGKILL), keeps its log and removes its directory. */
    @Override
    public synchronized void close() {
        try {
            if (process != null && process.isAlive()) {
                process.destroy();
                try {
                    if (!process.waitFor(10, TimeUnit.SECONDS)) {
                        process.destroyForcibly();
                        process.waitFor(10, TimeUnit.SECONDS);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    process.destroyForcibly();
                }
            }
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(killOnExit);
            } catch (IllegalStateException shuttingDown) {
                // the hook runs anyway
            }
            try {
                Files.createDirectories(keepLogsIn);
                Files.copy(logFile, keepLogsIn.resolve("registry-" + dir.getFileName() + ".log"),
                        StandardCopyOption.REPLACE_EXISTING);
            } catch (IOException e) {
                System.err.println("itests: cannot keep the registry log " + logFile + ": " + e);
            }
            deleteTree(dir);
        }
    }

    private static void deleteTree(Path dir) {
        if (!dir.getFileName().toString().startsWith("cjreg-") || !dir.startsWith("/tmp")) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException | UncheckedIOException e) {
            System.err.println("itests: cannot remove " + dir + ": " + e);
        }
    }

    @Override
    public String toString() {
        return "docker-registry on " + host() + " in " + dir + (isRunning() ? " (pid " + process.pid() + ")" : " (not running)");
    }

}
