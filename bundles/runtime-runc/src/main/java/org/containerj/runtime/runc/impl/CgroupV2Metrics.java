package org.containerj.runtime.runc.impl;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.function.LongConsumer;

import org.containerj.proto.cgroups.v2.CPUStat;
import org.containerj.proto.cgroups.v2.HugeTlbStat;
import org.containerj.proto.cgroups.v2.IOEntry;
import org.containerj.proto.cgroups.v2.IOStat;
import org.containerj.proto.cgroups.v2.MemoryEvents;
import org.containerj.proto.cgroups.v2.MemoryStat;
import org.containerj.proto.cgroups.v2.Metrics;
import org.containerj.proto.cgroups.v2.PidsStat;

/**
 * A unified-hierarchy container's statistics as {@code io.containerd.cgroups.v2.Metrics},
 * from the interface files of its one cgroup directory; files of controllers the cgroup
 * does not have enabled are simply absent.
 */
final class CgroupV2Metrics {
    /** memory.stat keys in the order of the message's fields 1 to 31. */
    private static final List<String> MEMORY_STAT_KEYS = List.of("anon", "file", "kernel_stack", "slab", "sock",
            "shmem", "file_mapped", "file_dirty", "file_writeback", "anon_thp", "inactive_anon", "active_anon",
            "inactive_file", "active_file", "unevictable", "slab_reclaimable", "slab_unreclaimable", "pgfault",
            "pgmajfault", "workingset_refault", "workingset_activate", "workingset_nodereclaim", "pgrefill", "pgscan",
            "pgsteal", "pgactivate", "pgdeactivate", "pglazyfree", "pglazyfreed", "thp_fault_alloc",
            "thp_collapse_alloc");

    private CgroupV2Metrics() {
    }

    static Metrics read(Path d) {
        Metrics.Builder m = Metrics.newBuilder();
        if (Files.exists(d.resolve("pids.current"))) {
            m.setPids(PidsStat.newBuilder().setCurrent(CgroupFiles.number(d.resolve("pids.current")))
                    .setLimit(CgroupFiles.number(d.resolve("pids.max"), 0).orElse(0)));
        }
        Map<String, Long> cpu = CgroupFiles.keyed(d.resolve("cpu.stat"));
        if (!cpu.isEmpty()) {
            m.setCpu(CPUStat.newBuilder().setUsageUsec(cpu.getOrDefault("usage_usec", 0L))
                    .setUserUsec(cpu.getOrDefault("user_usec", 0L)).setSystemUsec(cpu.getOrDefault("system_usec", 0L))
                    .setNrPeriods(cpu.getOrDefault("nr_periods", 0L)).setNrThrottled(cpu.getOrDefault("nr_throttled", 0L))
                    .setThrottledUsec(cpu.getOrDefault("throttled_usec", 0L)));
        }
        if (Files.exists(d.resolve("memory.current"))) {
            m.setMemory(memory(d));
        }
        Map<String, Long> events = CgroupFiles.keyed(d.resolve("memory.events"));
        if (!events.isEmpty()) {
            m.setMemoryEvents(MemoryEvents.newBuilder().setLow(events.getOrDefault("low", 0L))
                    .setHigh(events.getOrDefault("high", 0L)).setMax(events.getOrDefault("max", 0L))
                    .setOom(events.getOrDefault("oom", 0L)).setOomKill(events.getOrDefault("oom_kill", 0L)));
        }
        List<IOEntry> io = io(d.resolve("io.stat"));
        if (!io.isEmpty()) {
            m.setIo(IOStat.newBuilder().addAllUsage(io));
        }
        m.addAllHugetlb(hugetlb(d));
        return m.build();
    }

    private static MemoryStat memory(Path d) {
        MemoryStat.Builder b = MemoryStat.newBuilder();
        Map<String, Long> s = CgroupFiles.keyed(d.resolve("memory.stat"));
        var fields = MemoryStat.getDescriptor().getFields();
        for (int i = 0; i < MEMORY_STAT_KEYS.size(); i++) {
            Long v = s.get(MEMORY_STAT_KEYS.get(i));
            if (v != null) {
                b.setField(fields.get(i), v);
            }
        }
        set(d.resolve("memory.current"), b::setUsage);
        set(d.resolve("memory.max"), b::setUsageLimit);
        set(d.resolve("memory.swap.current"), b::setSwapUsage);
        set(d.resolve("memory.swap.max"), b::setSwapLimit);
        set(d.resolve("memory.peak"), b::setMaxUsage);
        set(d.resolve("memory.swap.peak"), b::setSwapMaxUsage);
        return b.build();
    }

    private static void set(Path file, LongConsumer setter) {
        CgroupFiles.number(file, CgroupFiles.MAX).ifPresent(setter);
    }

    /** io.stat: "MAJ:MIN rbytes=N wbytes=N rios=N wios=N dbytes=N dios=N" per device. */
    static List<IOEntry> io(Path file) {
        List<IOEntry> out = new ArrayList<>();
        for (String line : CgroupFiles.lines(file)) {
            String[] f = line.trim().split("\\s+");
            if (f.length < 2 || !f[0].contains(":")) {
                continue;
            }
            try {
                String[] dev = f[0].split(":");
                IOEntry.Builder e = IOEntry.newBuilder().setMajor(Long.parseLong(dev[0])).setMinor(Long.parseLong(dev[1]));
                for (int i = 1; i < f.length; i++) {
                    String[] kv = f[i].split("=", 2);
                    if (kv.length != 2) {
                        continue;
                    }
                    long v = Long.parseUnsignedLong(kv[1]);
                    switch (kv[0]) {
                        case "rbytes" -> e.setRbytes(v);
                        case "wbytes" -> e.setWbytes(v);
                        case "rios" -> e.setRios(v);
                        case "wios" -> e.setWios(v);
                        default -> { } // discard counts are not part of the message
                    }
                }
                out.add(e.build());
            } catch (NumberFormatException | ArrayIndexOutOfBoundsException notAnEntry) {
                // skip
            }
        }
        return out;
    }

    /** {@code hugetlb.<size>.current} and {@code .max}, one entry per page size. */
    private static List<HugeTlbStat> hugetlb(Path d) {
        List<HugeTlbStat> out = new ArrayList<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(d, "hugetlb.*.current")) {
            for (Path f : files) {
                String name = f.getFileName().toString();
                String size = name.substring("hugetlb.".length(), name.length() - ".current".length());
                out.add(HugeTlbStat.newBuilder().setPagesize(size).setCurrent(CgroupFiles.number(f))
                        .setMax(CgroupFiles.number(d.resolve("hugetlb." + size + ".max"), CgroupFiles.MAX).orElse(0))
                        .build());
            }
        } catch (IOException unreadable) {
            return List.of();
        }
        out.sort(Comparator.comparing(HugeTlbStat::getPagesize));
        return out;
    }
}
