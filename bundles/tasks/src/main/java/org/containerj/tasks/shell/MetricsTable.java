package org.containerj.tasks.shell;

import org.containerj.api.runtime.Task;

import com.google.protobuf.InvalidProtocolBufferException;

/** A task's metrics as the table {@code ctr task metrics} prints, for cgroup v1 and v2 statistics. */
final class MetricsTable {
    private MetricsTable() {
    }

    static String of(Task.Metrics m) {
        Columns t = new Columns("METRIC", "VALUE");
        try {
            switch (m.typeUrl().substring(m.typeUrl().lastIndexOf('/') + 1)) {
                case "io.containerd.cgroups.v1.Metrics" -> {
                    var v1 = org.containerj.proto.cgroups.v1.Metrics.parseFrom(m.data());
                    t.row("memory.usage_in_bytes", u(v1.getMemory().getUsage().getUsage()));
                    t.row("memory.limit_in_bytes", u(v1.getMemory().getUsage().getLimit()));
                    t.row("memory.stat.cache", u(v1.getMemory().getCache()));
                    t.row("cpuacct.usage", u(v1.getCpu().getUsage().getTotal()));
                    t.row("cpuacct.usage_percpu", v1.getCpu().getUsage().getPerCpuList().stream()
                            .map(MetricsTable::u).toList().toString().replace(",", ""));
                    t.row("pids.current", u(v1.getPids().getCurrent()));
                    t.row("pids.limit", u(v1.getPids().getLimit()));
                    t.row("memory.oom_control.oom_kill", u(v1.getMemoryOomControl().getOomKill()));
                }
                case "io.containerd.cgroups.v2.Metrics" -> {
                    var v2 = org.containerj.proto.cgroups.v2.Metrics.parseFrom(m.data());
                    t.row("pids.current", u(v2.getPids().getCurrent()));
                    t.row("pids.limit", u(v2.getPids().getLimit()));
                    t.row("cpu.usage_usec", u(v2.getCpu().getUsageUsec()));
                    t.row("cpu.user_usec", u(v2.getCpu().getUserUsec()));
                    t.row("cpu.system_usec", u(v2.getCpu().getSystemUsec()));
                    t.row("cpu.nr_periods", u(v2.getCpu().getNrPeriods()));
                    t.row("cpu.nr_throttled", u(v2.getCpu().getNrThrottled()));
                    t.row("cpu.throttled_usec", u(v2.getCpu().getThrottledUsec()));
                    t.row("memory.usage", u(v2.getMemory().getUsage()));
                    t.row("memory.usage_limit", u(v2.getMemory().getUsageLimit()));
                    t.row("memory.swap_usage", u(v2.getMemory().getSwapUsage()));
                    t.row("memory.swap_limit", u(v2.getMemory().getSwapLimit()));
                    t.row("memory_events.oom_kill", u(v2.getMemoryEvents().getOomKill()));
                }
                default -> t.row("(" + m.typeUrl() + ")", m.data().length + " bytes");
            }
        } catch (InvalidProtocolBufferException e) {
            t.row("(unreadable " + m.typeUrl() + ")", e.getMessage());
        }
        return t.toString();
    }

    private static String u(long v) {
        return Long.toUnsignedString(v);
    }
}
