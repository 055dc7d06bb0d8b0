package org.containerj.itests.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * What the task tests share with {@code RunIT}: busybox images pushed to the local registry
 * and pulled into a namespace, the {@code ctr task ls} row of a task, and the clean-up that
 * leaves no task, container, image, content or namespace cgroup behind.
 */
public final class TaskFixture {
    private static final Duration WAIT = Duration.ofSeconds(30);

    private final Daemon daemon;
    private final Registry registry;
    private final String ns;
    private final List<String> images = new ArrayList<>();

    public TaskFixture(Daemon daemon, Registry registry, String ns) {
        this.daemon = daemon;
        this.registry = registry;
        this.ns = ns;
    }

    /** Waits for the plugins a container needs. */
    public static void awaitRuntime(Daemon daemon) {
        for (String grpc : List.of("images", "snapshots", "containers", "tasks")) {
            daemon.awaitPlugin("io.containerd.grpc.v1", grpc, "ok", WAIT);
        }
        daemon.awaitPlugin("io.containerd.snapshotter.v1", "overlayfs", "ok", WAIT);
        daemon.awaitPlugin("io.containerd.runtime.v2", "task", "ok", WAIT);
    }

    public String ns() {
        return ns;
    }

    public CommandResult ctr(String... args) {
        List<String> all = new ArrayList<>(List.of("-n", ns));
        all.addAll(List.of(args));
        return daemon.ctr(all.toArray(String[]::new));
    }

    /** Pushes {@code image} to the registry (through a scratch namespace) and pulls it into the namespace. */
    public String pull(String name, BusyboxImage image) {
        String remote = registry.host() + "/itest/" + name + ":1";
        String scratchNs = ns + "-push";
        String base = "registry.local/task-it/src";
        String tag = Long.toString(System.nanoTime());
        try {
            Path archive = image.write(Files.createTempFile(daemon.scratch(), "busybox", ".tar"), tag);
            try {
                daemon.ctr("-n", scratchNs, "images", "import", "--no-unpack", "--base-name", base, archive.toString())
                        .assertOk();
                daemon.ctr("-n", scratchNs, "images", "push", "--plain-http", remote, base + ":" + tag).assertOk();
            } finally {
                daemon.ctr("-n", scratchNs, "images", "rm", "--sync", base + ":" + tag);
                Files.deleteIfExists(archive);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        CommandResult pulled = ctr("images", "pull", "--plain-http", remote);
        if (!pulled.ok()) {
            throw new AssertionError("pull failed: " + pulled + "\n" + daemon.logTail(60) + "\n" + registry.log());
        }
        images.add(remote);
        return remote;
    }

    /** The {@code ctr task ls} row of {@code id} ("" when there is none). */
    public String taskLine(String id) {
        return ctr("tasks", "ls").assertOk().stdout().lines().filter(l -> l.startsWith(id + " ")).findFirst()
                .orElse("");
    }

    /** The pid column of the task's row. */
    public int pid(String id) {
        String line = taskLine(id);
        return Integer.parseInt(line.trim().split("\\s+")[1]);
    }

    public String context() {
        return "\n--- tasks: " + ctr("tasks", "ls") + "\n--- daemon log:\n" + daemon.logTail(80);
    }

    /**
     * Kills and deletes every task, removes every container (and its snapshot) and the pulled
     * images, waits for the content to be collected, removes the namespaces and the (empty)
     * namespace cgroups ctr's spec put the containers under.
     */
    public void cleanUp() {
        daemon.ensureRunning();
        for (String id : ctr("tasks", "ls", "-q").stdout().lines().map(String::strip).filter(s -> !s.isEmpty())
                .toList()) {
            ctr("tasks", "resume", id);
            ctr("tasks", "kill", "-a", "-s", "SIGKILL", id);
            try {
                Wait.until(Duration.ofSeconds(10), () -> !taskLine(id).contains("RUNNING")
                        && !taskLine(id).contains("PAUSED"), "task " + id + " stopped");
            } catch (AssertionError e) {
                // deleted below with -f
            }
            ctr("tasks", "rm", "-f", id);
        }
        for (String id : ctr("containers", "ls", "-q").stdout().lines().map(String::strip)
                .filter(s -> !s.isEmpty()).toList()) {
            ctr("containers", "rm", id);
        }
        for (String image : images) {
            ctr("images", "rm", "--sync", image);
        }
        try {
            Wait.until(Duration.ofSeconds(20), () -> ctr("content", "ls", "-q").stdout().isBlank()
                    && daemon.ctr("-n", ns + "-push", "content", "ls", "-q").stdout().isBlank(), "content collected");
        } catch (AssertionError e) {
            // the namespaces then stay; nothing else depends on them
        }
        daemon.ctr("namespaces", "rm", ns);
        daemon.ctr("namespaces", "rm", ns + "-push");
        removeNamespaceCgroups(ns);
    }

    /** runc removes each container's cgroup; the namespace level ctr's spec adds stays, as with containerd. */
    public static void removeNamespaceCgroups(String ns) {
        List<Path> dirs = new ArrayList<>(List.of(Path.of("/sys/fs/cgroup", ns)));
        try (var hierarchies = Files.list(Path.of("/sys/fs/cgroup"))) {
            hierarchies.filter(Files::isDirectory).forEach(h -> dirs.add(h.resolve(ns)));
        } catch (IOException e) {
            return;
        }
        for (Path d : dirs) {
            try {
                Files.deleteIfExists(d); // rmdir: only an empty cgroup goes
            } catch (IOException notEmptyOrNotThere) {
                // a cgroup still in use stays
            }
        }
    }

    /** Mount points under {@code dir} (from /proc/self/mounts): what a test must not leave. */
    public static List<String> mountsUnder(Path dir) {
        try {
            return Files.readAllLines(Path.of("/proc/self/mounts")).stream().map(l -> l.split(" ")[1])
                    .filter(p -> p.equals(dir.toString()) || p.startsWith(dir + "/")).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
