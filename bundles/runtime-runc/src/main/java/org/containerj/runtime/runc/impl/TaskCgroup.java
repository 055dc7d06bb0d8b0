package org.containerj.runtime.runc.impl;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import org.containerj.api.errdefs.ContainerjException;
import org.containerj.api.runtime.Task;

/**
 * A container's cgroup: its path from the bundle's {@code linux.cgroupsPath} (the runtime
 * always sets an absolute one unless the client did), else from the kernel's view of the
 * init process ({@code /proc/PID/cgroup}), as runc resolves a relative path against its own
 * cgroup. Reads the statistics containerd reports as task metrics, and the OOM kill count.
 */
final class TaskCgroup {
    static final String V1_METRICS = "io.containerd.cgroups.v1.Metrics";
    static final String V2_METRICS = "io.containerd.cgroups.v2.Metrics";

    private final CgroupHierarchy hierarchy;
    /** Cgroup path per v1 controller, or under "" the unified path. */
    private final Map<String, String> paths;

    TaskCgroup(CgroupHierarchy hierarchy, Map<String, String> paths) {
        this.hierarchy = hierarchy;
        this.paths = Map.copyOf(paths);
    }

    /**
     * The cgroup of the container with bundle config {@code config} and init pid {@code pid}
     * (0 when unknown); empty when neither names one.
     */
    static Optional<TaskCgroup> locate(CgroupHierarchy hierarchy, Path config, int pid, Path proc) {
        String spec = specPath(config);
        if (spec != null && spec.startsWith("/") && !spec.contains(":")) {
            return Optional.of(new TaskCgroup(hierarchy, Map.of("*", spec)));
        }
        if (pid > 0) {
            try {
                Map<String, String> fromProc = parseProcCgroup(Files.readAllLines(proc.resolve(pid + "/cgroup")));
                if (!fromProc.isEmpty()) {
                    return Optional.of(new TaskCgroup(hierarchy, fromProc));
                }
            } catch (IOException gone) {
                // the process ended: nothing names the cgroup any more
            }
        }
        return Optional.empty();
    }

    private static String specPath(Path config) {
        try {
            JsonObject o = JsonParser.parseString(Files.readString(config)).getAsJsonObject();
            JsonElement linux = o.get("linux");
            if (linux != null && linux.isJsonObject()) {
                JsonElement p = linux.getAsJsonObject().get("cgroupsPath");
                if (p != null && p.isJsonPrimitive()) {
                    return p.getAsString();
                }
            }
        } catch (IOException | RuntimeException unreadable) {
            // fall back to the process's view
        }
        return null;
    }

    /** {@code /proc/PID/cgroup}: "N:ctrl,ctrl:/path" per v1 hierarchy, "0::/path" for the unified one (key ""). */
    static Map<String, String> parseProcCgroup(List<String> lines) {
        Map<String, String> m = new HashMap<>();
        for (String line : lines) {
            String[] f = line.split(":", 3);
            if (f.length != 3) {
                continue;
            }
            if (f[1].isEmpty()) {
                m.put("", f[2]);
            } else {
                for (String c : f[1].split(",")) {
                    m.put(c, f[2]);
                }
            }
        }
        return m;
    }

    private String path(String controller) {
        String p = paths.get("*");
        return p != null ? p : paths.get(controller);
    }

    /** The directory of a v1 controller, empty when it is not mounted or not the container's. */
    Optional<Path> v1(String controller) {
        String p = path(controller);
        return p == null ? Optional.empty() : hierarchy.v1Dir(controller, p);
    }

    Optional<Path> unified() {
        String p = path("");
        return p == null ? Optional.empty() : hierarchy.v2Dir(p);
    }

    /** The statistics as containerd's metrics type; NOT_FOUND when the cgroup is gone. */
    Task.Metrics metrics(String id) {
        if (hierarchy.isV1()) {
            Path memory = v1("memory").orElse(null);
            Path pids = v1("pids").orElse(null);
            if ((memory == null || !Files.isDirectory(memory)) && (pids == null || !Files.isDirectory(pids))) {
                throw ContainerjException.notFound("cgroup of task %s does not exist", id);
            }
            return new Task.Metrics(V1_METRICS, CgroupV1Metrics.read(this::v1).toByteArray());
        }
        if (hierarchy.isV2()) {
            Path dir = unified().filter(Files::isDirectory).orElseThrow(
                    () -> ContainerjException.notFound("cgroup of task %s does not exist", id));
            return new Task.Metrics(V2_METRICS, CgroupV2Metrics.read(dir).toByteArray());
        }
        throw ContainerjException.notFound("no cgroup file system is mounted: no metrics for task %s", id);
    }

    /** How many processes the kernel's OOM killer has killed in this cgroup; -1 when it cannot tell. */
    long oomKills() {
        if (hierarchy.isV1()) {
            return v1("memory").map(d -> CgroupFiles.keyed(d.resolve("memory.oom_control")).getOrDefault("oom_kill", -1L))
                    .orElse(-1L);
        }
        if (hierarchy.isV2()) {
            return unified().map(d -> CgroupFiles.keyed(d.resolve("memory.events")).getOrDefault("oom_kill", -1L))
                    .orElse(-1L);
        }
        return -1;
    }
}
