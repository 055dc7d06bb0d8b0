package org.containerj.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.containerj.itests.support.BusyboxImage;
import org.containerj.itests.support.CommandResult;
import org.containerj.itests.support.Daemon;
import org.containerj.itests.support.DaemonExtension;
import org.containerj.itests.support.Registry;
import org.containerj.itests.support.RegistryExtension;
import org.containerj.itests.support.TaskFixture;
import org.containerj.itests.support.Wait;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@code ctr run} flags take effect in the container, as ctr's spec asks for them: env, cwd,
 * read-only root, bind mounts, memory limit, capabilities, privileged, host network, user
 * namespace; the image config's user, working directory and env; and an OCI spec given
 * whole with {@code ctr run --config} (including a negative {@code oomScoreAdj}, raised to
 * the daemon's own since the host lacks CAP_SYS_RESOURCE).
 */
@ExtendWith({DaemonExtension.class, RegistryExtension.class})
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TaskRunFlagsIT {
    private static final long CAP_SYS_ADMIN = 1L << 21;
    private static final long CAP_SYS_RESOURCE = 1L << 24;
    private Daemon daemon;
    private TaskFixture f;
    private String image;
    private String configured;

    @BeforeAll
    void pull(Daemon daemon, Registry registry) {
        this.daemon = daemon;
        TaskFixture.awaitRuntime(daemon);
        f = new TaskFixture(daemon, registry, "task-flags-it");
        image = f.pull("busybox-flags", BusyboxImage.single());
        configured = f.pull("busybox-configured", BusyboxImage.withConfig("{\"User\":\"nobody\",\"WorkingDir\":\"/work\","
                + "\"Env\":[\"PATH=/bin\",\"IMG_VAR=from-image\"],\"Cmd\":[\"/bin/sh\"]}"));
    }

    @AfterAll
    void cleanUp() {
        f.cleanUp();
    }

    /** {@code ctr run --rm [flags] IMAGE ID sh -c SCRIPT}: its output, after checking it succeeded. */
    private String run(List<String> flags, String img, String id, String script) {
        List<String> args = new java.util.ArrayList<>(List.of("run", "--rm"));
        args.addAll(flags);
        args.addAll(List.of(img, id, "sh", "-c", script));
        CommandResult r = f.ctr(args.toArray(String[]::new));
        assertEquals(0, r.exitCode(), r + f.context());
        return r.stdout().strip();
    }

    private static long capEff(String statusText) {
        return statusText.lines().filter(l -> l.startsWith("CapEff:")).map(l -> Long.parseUnsignedLong(
                l.substring(7).trim(), 16)).findFirst().orElseThrow(() -> new AssertionError(statusText));
    }

    private static String own(String field) throws IOException {
        return Files.readAllLines(Path.of("/proc/self/status")).stream().filter(l -> l.startsWith(field + ":"))
                .map(l -> l.substring(field.length() + 1).trim()).findFirst().orElseThrow();
    }

    @Test
    void envCwdAndReadOnlyRoot() {
        assertEquals("bar /tmp", run(List.of("--env", "FOO=bar", "--cwd", "/tmp"), image, "flags-env",
                "echo \"$FOO $(pwd)\""));
        String probe = "if echo x > /probe 2>/dev/null; then echo writable; else echo read-only; fi";
        assertEquals("read-only", run(List.of("--read-only"), image, "flags-ro", probe));
        assertEquals("writable", run(List.of(), image, "flags-rw", probe));
    }

    @Test
    void bindMount() throws IOException {
        Path src = Files.createDirectories(daemon.scratch().resolve("bind-src"));
        Files.writeString(src.resolve("f"), "from the host\n");
        assertEquals("from the host\nro", run(List.of("--mount", "type=bind,src=" + src + ",dst=/mnt,options=rbind:ro"),
                image, "flags-bind", "cat /mnt/f; if echo x > /mnt/g 2>/dev/null; then echo rw; else echo ro; fi"));
        assertTrue(Files.notExists(src.resolve("g")));
        assertEquals(List.of(), TaskFixture.mountsUnder(daemon.state()), "no mount left");
    }

    @Test
    void memoryLimitInTheContainersCgroup() throws IOException {
        String id = "flags-mem";
        CommandResult r = f.ctr("run", "-d", "--memory-limit", "33554432", image, id, "sleep", "1000");
        assertEquals(0, r.exitCode(), r + f.context());
        // ctr's spec puts the container in /<namespace>/<id>
        Path limit = Path.of("/sys/fs/cgroup/memory", f.ns(), id, "memory.limit_in_bytes");
        assertEquals("33554432", Files.readString(limit).strip());
        assertTrue(f.ctr("tasks", "metrics", id).assertOk().stdout().lines()
                .anyMatch(l -> l.matches("memory\\.limit_in_bytes\\s+33554432\\s*")), "ctr task metrics shows it");
        f.ctr("tasks", "kill", "-s", "SIGKILL", id).assertOk();
        Wait.until(Duration.ofSeconds(30), () -> f.taskLine(id).contains("STOPPED"), () -> f.taskLine(id));
        f.ctr("tasks", "rm", id).assertOk();
        f.ctr("containers", "rm", id).assertOk();
        assertTrue(Files.notExists(limit.getParent()), "runc removed the cgroup");
    }

    @Test
    void capabilitiesAndPrivileged() throws IOException {
        long plain = capEff(run(List.of(), image, "flags-cap0", "cat /proc/self/status"));
        long added = capEff(run(List.of("--cap-add", "CAP_SYS_ADMIN"), image, "flags-cap1", "cat /proc/self/status"));
        assertEquals(0, plain & CAP_SYS_ADMIN);
        assertEquals(plain | CAP_SYS_ADMIN, added);
        String privileged = run(List.of("--privileged"), image, "flags-priv", "cat /proc/self/status; ls /dev | busybox wc -l");
        assertEquals(Long.parseUnsignedLong(own("CapBnd"), 16), capEff(privileged), "every capability the host has");
        int devices = Integer.parseInt(privileged.lines().reduce((a, b) -> b).orElseThrow().strip());
        int plainDevices = Integer.parseInt(run(List.of(), image, "flags-dev", "ls /dev | busybox wc -l"));
        assertTrue(devices > plainDevices, devices + " host devices vs " + plainDevices);
    }

    @Test
    void hostNetwork() throws IOException {
        String hostNet = Files.readSymbolicLink(Path.of("/proc/self/ns/net")).toString();
        assertEquals(hostNet, run(List.of("--net-host"), image, "flags-net", "busybox readlink /proc/self/ns/net"));
        assertNotEquals(hostNet, run(List.of(), image, "flags-nonet", "busybox readlink /proc/self/ns/net"));
    }

    @Test
    void userNamespace() throws IOException {
        String id = "flags-userns";
        CommandResult r = f.ctr("run", "-d", "--uidmap", "0:100000:65536", "--gidmap", "0:100000:65536", image, id,
                "sleep", "1000");
        assertEquals(0, r.exitCode(), r + f.context());
        int pid = f.pid(id);
        assertTrue(Files.readString(Path.of("/proc", Integer.toString(pid), "status")).lines()
                .anyMatch(l -> l.matches("Uid:\\s+100000\\s+100000\\s+100000\\s+100000")), "root inside is 100000 outside");
        CommandResult inside = f.ctr("tasks", "exec", "--exec-id", "look", id, "sh", "-c",
                "cat /proc/self/uid_map; busybox id -u; busybox stat -c %u /bin/busybox");
        assertEquals(0, inside.exitCode(), inside + f.context());
        List<String> lines = inside.stdout().lines().map(l -> l.strip().replaceAll("\\s+", " ")).toList();
        assertEquals(List.of("0 100000 65536", "0", "0"), lines, "mapped root, owning its image files");
        f.ctr("tasks", "kill", "-s", "SIGKILL", id).assertOk();
        Wait.until(Duration.ofSeconds(30), () -> f.taskLine(id).contains("STOPPED"), () -> f.taskLine(id));
        f.ctr("tasks", "rm", id).assertOk();
        f.ctr("containers", "rm", id).assertOk();
    }

    @Test
    void userWorkingDirectoryAndEnvFromTheImageConfig() {
        assertEquals("65534 /work from-image", run(List.of(), configured, "flags-imgcfg",
                "echo \"$(busybox id -u) $(pwd) $IMG_VAR\""));
        // flags override the image
        assertEquals("65534 /tmp flag", run(List.of("--cwd", "/tmp", "--env", "IMG_VAR=flag"), configured,
                "flags-imgcfg2", "echo \"$(busybox id -u) $(pwd) $IMG_VAR\""));
    }

    @Test
    void wholeSpecFromConfigFlag() throws Exception {
        Path rootfs = Files.createDirectories(daemon.scratch().resolve("spec-rootfs"));
        Files.createDirectories(rootfs.resolve("bin"));
        Files.createDirectories(rootfs.resolve("proc"));
        Files.createDirectories(rootfs.resolve("tmp"));
        Files.copy(BusyboxImage.BUSYBOX, rootfs.resolve("bin/busybox"));
        Files.createSymbolicLink(rootfs.resolve("bin/sh"), Path.of("busybox"));
        Path spec = daemon.scratch().resolve("spec.json");
        Files.writeString(spec, """
                {"ociVersion": "1.0.2",
                 "process": {"args": ["/bin/sh", "-c", "echo \\"$(busybox id -u) $(pwd) $V $(cat /proc/self/oom_score_adj)\\""],
                             "cwd": "/tmp", "user": {"uid": 65534, "gid": 65534},
                             "env": ["PATH=/bin", "V=from-spec"], "oomScoreAdj": -500},
                 "root": {"path": "%s"},
                 "mounts": [{"destination": "/proc", "type": "proc", "source": "proc"}],
                 "linux": {"namespaces": [{"type": "pid"}, {"type": "mount"}, {"type": "ipc"}, {"type": "uts"}]}}
                """.formatted(rootfs));
        int daemonAdj = Integer.parseInt(Files.readString(Path.of("/proc", Long.toString(daemon.pid()),
                "oom_score_adj")).strip());
        boolean mayLower = (Long.parseUnsignedLong(own("CapEff"), 16) & CAP_SYS_RESOURCE) != 0;
        CommandResult r = f.ctr("run", "--rm", "--config", spec.toString(), "flags-spec");
        assertEquals(0, r.exitCode(), r + f.context());
        assertEquals("65534 /tmp from-spec " + (mayLower ? -500 : Math.max(-500, daemonAdj)), r.stdout().strip(),
                "the spec's user, cwd and env; oomScoreAdj no lower than the daemon may set");
        assertEquals("", f.ctr("containers", "ls", "-q").assertOk().stdout().strip());
    }
}
