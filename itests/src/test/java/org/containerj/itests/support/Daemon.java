package org.containerj.itests.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The built distribution ({@code distribution/target/containerj}) running as a real process
 * on a configuration of its own: a temporary directory under {@code /tmp} (short, because a
 * socket path must fit in sun_path's 108 bytes) holding {@code config.toml}, the root, the
 * state and the API socket, so that nothing of the host's {@code /var/lib/containerj} or
 * {@code /run/containerj} is touched.
 *
 * <p>Everything the daemon prints goes to one log file, appended across restarts with a
 * marker line per start. {@link #close()} kills the process and removes the directory,
 * keeping a copy of the log under {@code itests/target/itests-work}.
 */
public final class Daemon implements AutoCloseable {
    /** How long a start may take until {@code ctr version} answers. */
    public static final Duration START_TIMEOUT = Duration.ofSeconds(90);
    /** How long a SIGTERM may take (the daemon's own stop watchdog is 30 s). */
    public static final Duration STOP_TIMEOUT = Duration.ofSeconds(45);
    /** Upper bound for one ctr or shell command. */
    public static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(60);

    private final Path home;
    private final Path dir;
    private final Path configFile;
    private final Path clientConfigFile;
    private final Path root;
    private final Path state;
    private final Path socket;
    private final Path logFile;
    private final Path scratch;
    private final Path keepLogsIn;
    private final String ctr;
    private final String initialConfig;
    private final Thread killOnExit;
    private Process process;
    private int starts;

    private Daemon(Path home, Path keepLogsIn) throws IOException {
        this.home = home;
        this.keepLogsIn = keepLogsIn;
        this.ctr = findCtr();
        this.dir = Files.createTempDirectory(Path.of("/tmp"), "cj-");
        // traversable like containerd's 0711 state directory: a user-namespaced container's root
        // (an unprivileged uid on the host) must reach its bundle below it
        Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwx--x--x"));
        this.configFile = dir.resolve("config.toml");
        this.clientConfigFile = dir.resolve("client.toml");
        this.root = dir.resolve("root");
        this.state = dir.resolve("state");
        this.socket = dir.resolve("containerj.sock");
        this.logFile = dir.resolve("daemon.log");
        this.scratch = Files.createDirectories(dir.resolve("scratch"));
        this.initialConfig = """
                # written by the integration tests (org.containerj.itests.support.Daemon)
                version = 2
                root = "%s"
                state = "%s"
                disabled_plugins = []

                [grpc]
                  address = "%s"

                [debug]
                  level = "info"
                """.formatted(root, state, socket);
        Files.writeString(configFile, initialConfig);
        Files.writeString(clientConfigFile, initialConfig);
        Files.createFile(logFile);
        // If the test JVM ends without close() (failsafe timeout, ^C), leave no daemon behind.
        this.killOnExit = new Thread(this::killQuietly, "itests-daemon-kill");
        Runtime.getRuntime().addShutdownHook(killOnExit);
    }

    /**
     * Creates the configuration and starts the daemon, waiting until it answers.
     * Fails with a clear message when the prerequisites (root, ctr, the built distribution)
     * are missing: in CI everything is present, and a skipped test would hide a failure.
     */
    public static Daemon launch() {
        Path home = distribution();
        Path bin = home.resolve("bin/containerj");
        if (!Files.isExecutable(bin)) {
            throw new AssertionError(bin + " does not exist or is not executable: build the distribution first "
                    + "(mvn -B -DskipTests package), or run the tests with mvn -B verify");
        }
        if (!"root".equals(System.getProperty("user.name"))) {
            throw new AssertionError("the end-to-end tests run the daemon as root; they run as "
                    + System.getProperty("user.name"));
        }
        removeLeftoverTestBundles(home.resolve("deploy"));
        Path keep = Path.of(System.getProperty("containerj.itests.work", "target/itests-work"));
        Daemon d;
        try {
            d = new Daemon(home, keep);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare the daemon's directory", e);
        }
        try {
            d.start();
            return d;
        } catch (RuntimeException | Error e) {
            d.close();
            throw e;
        }
    }

    /** Test bundles ({@code itest-*.jar}) that an interrupted earlier run left in {@code deploy/}. */
    private static void removeLeftoverTestBundles(Path deploy) {
        if (!Files.isDirectory(deploy)) {
            return;
        }
        try (Stream<Path> files = Files.list(deploy)) {
            for (Path p : files.filter(f -> f.getFileName().toString().matches("itest-.*\\.jar")).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot clean " + deploy, e);
        }
    }

    /** The distribution directory, from the system property failsafe sets. */
    public static Path distribution() {
        String p = System.getProperty("containerj.distribution");
        if (p == null) {
            throw new AssertionError("system property containerj.distribution is not set (it is set by itests/pom.xml)");
        }
        return Path.of(p).toAbsolutePath().normalize();
    }

    // ------------------------------------------------------------------ lifecycle

    /** Starts the daemon and waits until {@code ctr version} answers. */
    public synchronized void start() {
        if (isRunning()) {
            throw new IllegalStateException("the daemon is already running (pid " + process.pid() + ")");
        }
        starts++;
        appendToLog("===== itests: start #" + starts + " at " + Instant.now() + " =====\n");
        List<String> cmd = List.of(home.resolve("bin/containerj").toString(), "--config", configFile.toString());
        try {
            process = new ProcessBuilder(cmd)
                    .directory(dir.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
                    .start();
        } catch (IOException e) {
            throw new AssertionError("cannot run " + String.join(" ", cmd) + ": " + e, e);
        }
        awaitReady();
    }

    /** The gRPC services every test may use; the daemon counts as started once all are ok. */
    private static final List<String> CORE_SERVICES = List.of("version", "introspection", "namespaces", "events",
            "leases", "content", "images", "snapshots", "diff", "containers");

    private boolean coreServicesUp() {
        CommandResult r = ctr("plugins", "ls");
        if (!r.ok()) {
            return false;
        }
        List<CtrPlugin> plugins = CtrPlugin.parse(r.stdout());
        return CORE_SERVICES.stream().allMatch(id -> plugins.stream().anyMatch(
                p -> p.type().equals("io.containerd.grpc.v1") && p.id().equals(id) && p.status().equals("ok")));
    }

    private void awaitReady() {
        long t0 = System.nanoTime();
        long deadline = t0 + START_TIMEOUT.toNanos();
        CommandResult last = null;
        while (true) {
            if (!process.isAlive()) {
                throw new AssertionError("the daemon exited with code " + process.exitValue()
                        + " before it was ready\n" + logTail(80));
            }
            if (Files.exists(socket, LinkOption.NOFOLLOW_LINKS)) {
                last = ctr("version");
                if (last.ok() && coreServicesUp()) {
                    return;
                }
            }
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("the daemon was not ready within " + START_TIMEOUT.toSeconds() + " s ("
                        + socket + (Files.exists(socket) ? " exists" : " does not exist")
                        + "); last ctr version: " + last + "\n" + logTail(80));
            }
            sleep(100);
        }
    }

    /** Starts the daemon again if a test left it stopped. */
    public synchronized void ensureRunning() {
        if (!isRunning()) {
            start();
        }
    }

    public synchronized boolean isRunning() {
        return process != null && process.isAlive();
    }

    /** The daemon's pid (of {@code bin/containerj}). */
    public synchronized long pid() {
        return process.pid();
    }

    /**
     * Stops the daemon with SIGTERM and waits for it to exit.
     *
     * @return its exit code
     * @throws AssertionError when it does not exit within {@link #STOP_TIMEOUT} (it is then killed)
     */
    public synchronized int stop() {
        if (!isRunning()) {
            throw new IllegalStateException("the daemon is not running");
        }
        List<ProcessHandle> children = process.descendants().toList();
        process.destroy(); // SIGTERM
        try {
            if (!process.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                kill9();
                throw new AssertionError("the daemon did not stop within " + STOP_TIMEOUT.toSeconds()
                        + " s of SIGTERM; killed\n" + logTail(60));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while stopping the daemon", e);
        }
        List<ProcessHandle> left = children.stream().filter(ProcessHandle::isAlive).toList();
        if (!left.isEmpty()) {
            left.forEach(ProcessHandle::destroyForcibly);
            throw new AssertionError("the daemon exited but left processes running: " + left + "\n" + logTail(60));
        }
        return process.exitValue();
    }

    /** Kills the daemon (and anything it started) with SIGKILL, as a crash would. */
    public synchronized void kill9() {
        if (process == null) {
            return;
        }
        List<ProcessHandle> all = new ArrayList<>(process.descendants().toList());
        process.destroyForcibly();
        all.forEach(ProcessHandle::destroyForcibly);
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                throw new AssertionError("the daemon survived SIGKILL for 30 s");
            }
            for (ProcessHandle h : all) {
                h.onExit().get(30, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while killing the daemon", e);
        } catch (Exception e) {
            throw new AssertionError("a process of the daemon survived SIGKILL: " + e, e);
        }
        appendToLog("===== itests: killed with SIGKILL at " + Instant.now() + " =====\n");
    }

    private void killQuietly() {
        Process p = process;
        if (p != null && p.isAlive()) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
        }
    }

    /** Kills the daemon if it runs, keeps a copy of its log, and removes its directory. */
    @Override
    public synchronized void close() {
        try {
            if (isRunning()) {
                kill9();
            }
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(killOnExit);
            } catch (IllegalStateException shuttingDown) {
                // the hook runs anyway
            }
            try {
                Files.createDirectories(keepLogsIn);
                Files.copy(logFile, keepLogsIn.resolve("daemon-" + dir.getFileName() + ".log"),
                        StandardCopyOption.REPLACE_EXISTING);
            } catch (IOException e) {
                System.err.println("itests: cannot keep the daemon log " + logFile + ": " + e);
            }
            deleteTree(dir);
        }
    }

    /**
     * Removes the daemon's directory. Nothing is ever mounted under it by these tests yet;
     * a tree that still holds a mount point is left in place rather than crossed.
     */
    private static void deleteTree(Path dir) {
        if (!dir.getFileName().toString().startsWith("cj-") || !dir.startsWith("/tmp")) {
            return; // never anything but our own temporary directory
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException | UncheckedIOException e) {
            System.err.println("itests: cannot remove " + dir + ": " + e);
        }
    }

    // ------------------------------------------------------------------ clients

    /** Runs {@code ctr --address SOCKET ARGS...} with a timeout. */
    public CommandResult ctr(String... args) {
        List<String> cmd = new ArrayList<>(List.of(ctr, "--address", socket.toString()));
        cmd.addAll(List.of(args));
        return Exec.run(cmd, COMMAND_TIMEOUT, scratch);
    }

    /** Runs {@code ctr --address SOCKET ARGS...} with stdin read from {@code stdin}. */
    public CommandResult ctrWithInput(Path stdin, String... args) {
        List<String> cmd = new ArrayList<>(List.of(ctr, "--address", socket.toString()));
        cmd.addAll(List.of(args));
        return Exec.run(cmd, COMMAND_TIMEOUT, scratch, stdin);
    }

    /** Runs {@code ctr --address SOCKET ARGS...} with its standard output written to {@code stdout} (binary). */
    public CommandResult ctrToFile(Path stdout, String... args) {
        List<String> cmd = new ArrayList<>(List.of(ctr, "--address", socket.toString()));
        cmd.addAll(List.of(args));
        return Exec.runToFile(cmd, COMMAND_TIMEOUT, scratch, stdout);
    }

    /** The path of Debian's ctr and the daemon's socket, for tests that run ctr themselves. */
    public List<String> ctrCommand(String... args) {
        List<String> cmd = new ArrayList<>(List.of(ctr, "--address", socket.toString()));
        cmd.addAll(List.of(args));
        return cmd;
    }

    /** Runs {@code ctr} at another socket address (e.g. one the configuration moved the server to). */
    public CommandResult ctrAt(Path address, String... args) {
        List<String> cmd = new ArrayList<>(List.of(ctr, "--address", address.toString()));
        cmd.addAll(List.of(args));
        return Exec.run(cmd, COMMAND_TIMEOUT, scratch);
    }

    /**
     * Runs one Gogo command in the running daemon: {@code bin/containerj --config FILE shell -c CMD}
     * (after waiting, bounded, for the shell's socket to exist). FILE is a copy of the
     * initial configuration, not the daemon's own file: the shell client reads it only to
     * find the state directory, and must work while a test has made the daemon's file invalid.
     */
    public CommandResult shell(String command) {
        Wait.until(Duration.ofSeconds(30), () -> Files.exists(shellSocket(), LinkOption.NOFOLLOW_LINKS),
                () -> "the shell socket " + shellSocket() + "\n" + logTail(40));
        return Exec.run(List.of(home.resolve("bin/containerj").toString(), "--config", clientConfigFile.toString(), "shell",
                "-c", command), COMMAND_TIMEOUT, scratch);
    }

    /** The plugins {@code ctr plugins ls} lists now; fails if ctr fails. */
    public List<CtrPlugin> plugins() {
        return CtrPlugin.parse(ctr("plugins", "ls").assertOk().stdout());
    }

    /** Waits until {@code ctr plugins ls} shows {@code type id} with {@code status}. */
    public void awaitPlugin(String type, String id, String status, Duration timeout) {
        List<List<CtrPlugin>> seen = new ArrayList<>(1);
        seen.add(List.of());
        Wait.until(timeout, () -> {
            CommandResult r = ctr("plugins", "ls");
            if (!r.ok()) {
                return false;
            }
            List<CtrPlugin> plugins = CtrPlugin.parse(r.stdout());
            seen.set(0, plugins);
            return CtrPlugin.find(plugins, type, id).map(p -> p.status().equals(status)).orElse(false);
        }, () -> "plugin " + type + "." + id + " with status " + status + " in ctr plugins ls; last seen: "
                + seen.get(0));
    }

    /**
     * Waits until the Namespaces service is listed as ok and answers {@code ctr namespaces ls}:
     * right after a start the plugin may be listed a moment before the server routes to it.
     */
    public void awaitNamespacesService(Duration timeout) {
        awaitPlugin("io.containerd.grpc.v1", "namespaces", "ok", timeout);
        Wait.until(timeout, () -> ctr("namespaces", "ls").ok(),
                () -> "ctr namespaces ls to answer: " + ctr("namespaces", "ls"));
    }

    /** Waits until {@code ctr plugins ls} no longer shows {@code type id}. */
    public void awaitNoPlugin(String type, String id, Duration timeout) {
        Wait.until(timeout, () -> {
            CommandResult r = ctr("plugins", "ls");
            return r.ok() && CtrPlugin.find(CtrPlugin.parse(r.stdout()), type, id).isEmpty();
        }, () -> "plugin " + type + "." + id + " to disappear from ctr plugins ls");
    }

    // ------------------------------------------------------------------ configuration and files

    /** The configuration the daemon was started with. */
    public String initialConfig() {
        return initialConfig;
    }

    public String config() {
        try {
            return Files.readString(configFile);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Replaces the configuration file's content the way editors do: a new file renamed over
     * the old one, so that the daemon never reads a half-written file.
     */
    public void writeConfig(String text) {
        try {
            Path tmp = dir.resolve(".config.toml.new");
            Files.writeString(tmp, text, StandardCharsets.UTF_8);
            Files.move(tmp, configFile, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public Path home() {
        return home;
    }

    /** The directory FileInstall watches: {@code <distribution>/deploy}. */
    public Path deployDir() {
        return home.resolve("deploy");
    }

    public Path configFile() {
        return configFile;
    }

    public Path root() {
        return root;
    }

    public Path state() {
        return state;
    }

    public Path socket() {
        return socket;
    }

    /** Where the content store keeps the blob {@code digest}: {@code <root>/io.containerd.content.v1.content/blobs/<algorithm>/<hex>}. */
    public Path blobFile(String digest) {
        int colon = digest.indexOf(':');
        return root.resolve("io.containerd.content.v1.content").resolve("blobs").resolve(digest.substring(0, colon))
                .resolve(digest.substring(colon + 1));
    }

    public Path shellSocket() {
        return state.resolve("shell.sock");
    }

    /** A directory for a test's own files, removed with the daemon's. */
    public Path scratch() {
        return scratch;
    }

    // ------------------------------------------------------------------ log

    /** Everything the daemon printed, across restarts. */
    public String log() {
        try {
            return Files.readString(logFile, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The log's current length: pass it to {@link #logSince(long)} to see only what comes next. */
    public long logMark() {
        try {
            return Files.size(logFile);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** What the daemon printed after {@code mark}. */
    public String logSince(long mark) {
        try {
            byte[] all = Files.readAllBytes(logFile);
            int from = (int) Math.min(Math.max(mark, 0), all.length);
            return new String(all, from, all.length - from, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The last {@code lines} lines of the log, headed by its path, for failure messages. */
    public String logTail(int lines) {
        List<String> all = log().lines().toList();
        return "--- last " + Math.min(lines, all.size()) + " lines of " + logFile + " ---\n"
                + String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    }

    private void appendToLog(String text) {
        try {
            Files.writeString(logFile, text, StandardCharsets.UTF_8, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String findCtr() {
        for (String d : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            Path p = Path.of(d.isEmpty() ? "." : d, "ctr");
            if (Files.isExecutable(p)) {
                return p.toString();
            }
        }
        if (Files.isExecutable(Path.of("/usr/bin/ctr"))) {
            return "/usr/bin/ctr";
        }
        throw new AssertionError("ctr is not installed: run scripts/setup-host.sh (Debian's containerd package)");
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    @Override
    public String toString() {
        return "containerj daemon in " + dir + (isRunning() ? " (pid " + process.pid() + ")" : " (not running)");
    }
}
