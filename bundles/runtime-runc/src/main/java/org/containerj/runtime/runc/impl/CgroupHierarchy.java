package org.containerj.runtime.runc.impl;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Where the host's cgroup file systems are mounted, read from a mountinfo table: on a
 * cgroup v1 (or hybrid) host one mount per controller set, on a unified host one cgroup2
 * mount. A host with v1 controllers counts as v1 even when a controller-less cgroup2 is
 * mounted too (the hybrid layout), as containerd decides.
 */
final class CgroupHierarchy {
    /** The v1 controllers whose statistics containerd reports (and some it does not). */
    private static final Set<String> V1_CONTROLLERS = Set.of("cpu", "cpuacct", "cpuset", "memory", "devices",
            "freezer", "net_cls", "net_prio", "blkio", "perf_event", "hugetlb", "pids", "rdma", "misc");

    /** One v1 mount: its mount point and the cgroup path it shows at that point (usually "/"). */
    record Mount(Path point, String root) {
    }

    private final Map<String, Mount> v1;
    private final Mount unified;

    private CgroupHierarchy(Map<String, Mount> v1, Mount unified) {
        this.v1 = Map.copyOf(v1);
        this.unified = unified;
    }

    /** The daemon's view, from {@code /proc/self/mountinfo}; a host without cgroups has neither version. */
    static CgroupHierarchy host() {
        try {
            return parse(Files.readAllLines(Path.of("/proc/self/mountinfo")));
        } catch (IOException e) {
            return new CgroupHierarchy(Map.of(), null);
        }
    }

    /** Parses mountinfo lines ({@code ID PARENT MAJ:MIN ROOT POINT OPTS [TAGS...] - FSTYPE SOURCE SUPEROPTS}). */
    static CgroupHierarchy parse(List<String> mountinfo) {
        Map<String, Mount> v1 = new HashMap<>();
        Mount unified = null;
        for (String line : mountinfo) {
            String[] f = line.split(" ");
            int dash = List.of(f).indexOf("-");
            if (dash < 6 || dash + 3 > f.length) {
                continue;
            }
            String type = f[dash + 1];
            Mount m = new Mount(Path.of(unescape(f[4])), unescape(f[3]));
            if (type.equals("cgroup")) {
                for (String opt : f[dash + 3].split(",")) {
                    if (V1_CONTROLLERS.contains(opt)) {
                        v1.putIfAbsent(opt, m);
                    }
                }
            } else if (type.equals("cgroup2") && unified == null) {
                unified = m;
            }
        }
        return new CgroupHierarchy(v1, unified);
    }

    /** mountinfo escapes space, tab, newline and backslash as octal. */
    private static String unescape(String s) {
        return s.replace("\\040", " ").replace("\\011", "\t").replace("\\012", "\n").replace("\\134", "\\");
    }

    boolean isV1() {
        return !v1.isEmpty();
    }

    boolean isV2() {
        return v1.isEmpty() && unified != null;
    }

    /** The directory of cgroup {@code path} in the v1 hierarchy of {@code controller}, if it is mounted. */
    Optional<Path> v1Dir(String controller, String path) {
        Mount m = v1.get(controller);
        return m == null ? Optional.empty() : Optional.of(under(m, path));
    }

    /** The directory of cgroup {@code path} in the unified hierarchy. */
    Optional<Path> v2Dir(String path) {
        return unified == null ? Optional.empty() : Optional.of(under(unified, path));
    }

    /**
     * The directory of a cgroup path below a mount that shows the hierarchy from {@code root}.
     * Paths come from runc's spec or the kernel; ".." never leaves the mount.
     */
    private static Path under(Mount m, String path) {
        String rel = Path.of("/").resolve(path).normalize().toString();
        String root = Path.of("/").resolve(m.root()).normalize().toString();
        if (!root.equals("/") && (rel.equals(root) || rel.startsWith(root + "/"))) {
            rel = rel.substring(root.length());
        }
        rel = rel.replaceFirst("^/+", "");
        return rel.isEmpty() ? m.point() : m.point().resolve(rel);
    }
}
