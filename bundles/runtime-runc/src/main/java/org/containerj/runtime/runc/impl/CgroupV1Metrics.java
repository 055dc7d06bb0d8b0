package org.containerj.runtime.runc.impl;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.LongConsumer;

import org.containerj.proto.cgroups.v1.BlkIOEntry;
import org.containerj.proto.cgroups.v1.BlkIOStat;
import org.containerj.proto.cgroups.v1.CPUStat;
import org.containerj.proto.cgroups.v1.CPUUsage;
import org.containerj.proto.cgroups.v1.HugetlbStat;
import org.containerj.proto.cgroups.v1.MemoryEntry;
import org.containerj.proto.cgroups.v1.MemoryOomControl;
import org.containerj.proto.cgroups.v1.MemoryStat;
import org.containerj.proto.cgroups.v1.Metrics;
import org.containerj.proto.cgroups.v1.PidsStat;
import org.containerj.proto.cgroups.v1.Throttle;

/**
 * A cgroup v1 container's statistics as {@code io.containerd.cgroups.v1.Metrics}: the pids,
 * cpuacct/cpu, memory, blkio and hugetlb controllers, each where it is mounted.
 */
final class CgroupV1Metrics {
    /** The kernel reports cpuacct.stat in USER_HZ ticks, which Linux fixes at 100 per second. */
    private static final long NANOS_PER_TICK = 1_000_000_000L / 100;

    private CgroupV1Metrics() {
    }

    /** Reads the statistics, {@code dirs} giving the container's directory per controller. */
    static Metrics read(Function<String, Optional<Path>> dirs) {
        Metrics.Builder m = Metrics.newBuilder();
        dirs.apply("pids").filter(Files::isDirectory).ifPresent(d -> m.setPids(PidsStat.newBuilder()
                .setCurrent(CgroupFiles.number(d.resolve("pids.current")))
                .setLimit(CgroupFiles.number(d.resolve("pids.max"), 0).orElse(0))));
        Optional<Path> cpuacct = dirs.apply("cpuacct").filter(Files::isDirectory);
        Optional<Path> cpu = dirs.apply("cpu").filter(Files::isDirectory);
        if (cpuacct.isPresent() || cpu.isPresent()) {
            m.setCpu(cpu(cpuacct, cpu));
        }
        dirs.apply("memory").filter(Files::isDirectory).ifPresent(d -> {
            m.setMemory(memory(d));
            Map<String, Long> oom = CgroupFiles.keyed(d.resolve("memory.oom_control"));
            m.setMemoryOomControl(MemoryOomControl.newBuilder().setOomKillDisable(oom.getOrDefault("oom_kill_disable", 0L))
                    .setUnderOom(oom.getOrDefault("under_oom", 0L)).setOomKill(oom.getOrDefault("oom_kill", 0L)));
        });
        dirs.apply("blkio").filter(Files::isDirectory).ifPresent(d -> m.setBlkio(blkio(d)));
        dirs.apply("hugetlb").filter(Files::isDirectory).ifPresent(d -> m.addAllHugetlb(hugetlb(d)));
        return m.build();
    }

    private static CPUStat cpu(Optional<Path> cpuacct, Optional<Path> cpu) {
        CPUUsage.Builder usage = CPUUsage.newBuilder();
        cpuacct.ifPresent(d -> {
            usage.setTotal(CgroupFiles.number(d.resolve("cpuacct.usage")));
            usage.addAllPerCpu(CgroupFiles.numbers(d.resolve("cpuacct.usage_percpu")));
            Map<String, Long> stat = CgroupFiles.keyed(d.resolve("cpuacct.stat"));
            usage.setUser(stat.getOrDefault("user", 0L) * NANOS_PER_TICK);
            usage.setKernel(stat.getOrDefault("system", 0L) * NANOS_PER_TICK);
        });
        Throttle.Builder throttle = Throttle.newBuilder();
        cpu.ifPresent(d -> {
            Map<String, Long> stat = CgroupFiles.keyed(d.resolve("cpu.stat"));
            throttle.setPeriods(stat.getOrDefault("nr_periods", 0L));
            throttle.setThrottledPeriods(stat.getOrDefault("nr_throttled", 0L));
            throttle.setThrottledTime(stat.getOrDefault("throttled_time", 0L));
        });
        return CPUStat.newBuilder().setUsage(usage).setThrottling(throttle).build();
    }

    private static MemoryStat memory(Path d) {
        MemoryStat.Builder b = MemoryStat.newBuilder();
        Map<String, Long> s = CgroupFiles.keyed(d.resolve("memory.stat"));
        set(s, "cache", b::setCache);
        set(s, "rss", b::setRss);
        set(s, "rss_huge", b::setRssHuge);
        set(s, "mapped_file", b::setMappedFile);
        set(s, "dirty", b::setDirty);
        set(s, "writeback", b::setWriteback);
        set(s, "pgpgin", b::setPgPgIn);
        set(s, "pgpgout", b::setPgPgOut);
        set(s, "pgfault", b::setPgFault);
        set(s, "pgmajfault", b::setPgMajFault);
        set(s, "inactive_anon", b::setInactiveAnon);
        set(s, "active_anon", b::setActiveAnon);
        set(s, "inactive_file", b::setInactiveFile);
        set(s, "active_file", b::setActiveFile);
        set(s, "unevictable", b::setUnevictable);
        set(s, "hierarchical_memory_limit", b::setHierarchicalMemoryLimit);
        set(s, "hierarchical_memsw_limit", b::setHierarchicalSwapLimit);
        set(s, "total_cache", b::setTotalCache);
        set(s, "total_rss", b::setTotalRss);
        set(s, "total_rss_huge", b::setTotalRssHuge);
        set(s, "total_mapped_file", b::setTotalMappedFile);
        set(s, "total_dirty", b::setTotalDirty);
        set(s, "total_writeback", b::setTotalWriteback);
        set(s, "total_pgpgin", b::setTotalPgPgIn);
        set(s, "total_pgpgout", b::setTotalPgPgOut);
        set(s, "total_pgfault", b::setTotalPgFault);
        set(s, "total_pgmajfault", b::setTotalPgMajFault);
        set(s, "total_inactive_anon", b::setTotalInactiveAnon);
        set(s, "total_active_anon", b::setTotalActiveAnon);
        set(s, "total_inactive_file", b::setTotalInactiveFile);
        set(s, "total_active_file", b::setTotalActiveFile);
        set(s, "total_unevictable", b::setTotalUnevictable);
        entry(d, "memory").ifPresent(b::setUsage);
        entry(d, "memory.memsw").ifPresent(b::setSwap);
        entry(d, "memory.kmem").ifPresent(b::setKernel);
        entry(d, "memory.kmem.tcp").ifPresent(b::setKernelTcp);
        return b.build();
    }

    private static void set(Map<String, Long> stat, String key, LongConsumer setter) {
        Long v = stat.get(key);
        if (v != null) {
            setter.accept(v);
        }
    }

    /** {@code PREFIX.usage_in_bytes}, {@code .limit_in_bytes}, {@code .max_usage_in_bytes}, {@code .failcnt}. */
    private static Optional<MemoryEntry> entry(Path d, String prefix) {
        Path usage = d.resolve(prefix + ".usage_in_bytes");
        if (!Files.exists(usage)) {
            return Optional.empty();
        }
        return Optional.of(MemoryEntry.newBuilder().setUsage(CgroupFiles.number(usage))
                .setLimit(CgroupFiles.number(d.resolve(prefix + ".limit_in_bytes")))
                .setMax(CgroupFiles.number(d.resolve(prefix + ".max_usage_in_bytes")))
                .setFailcnt(CgroupFiles.number(d.resolve(prefix + ".failcnt"))).build());
    }

    /**
     * The CFQ scheduler's {@code blkio.*_recursive} files, or, where the kernel has none
     * (another I/O scheduler), the throttling layer's byte and operation counts.
     */
    private static BlkIOStat blkio(Path d) {
        BlkIOStat.Builder b = BlkIOStat.newBuilder();
        if (!Files.exists(d.resolve("blkio.io_serviced_recursive"))) {
            b.addAllIoServiceBytesRecursive(blkioEntries(d.resolve("blkio.throttle.io_service_bytes_recursive")));
            b.addAllIoServicedRecursive(blkioEntries(d.resolve("blkio.throttle.io_serviced_recursive")));
            return b.build();
        }
        b.addAllIoServiceBytesRecursive(blkioEntries(d.resolve("blkio.io_service_bytes_recursive")));
        b.addAllIoServicedRecursive(blkioEntries(d.resolve("blkio.io_serviced_recursive")));
        b.addAllIoQueuedRecursive(blkioEntries(d.resolve("blkio.io_queued_recursive")));
        b.addAllIoServiceTimeRecursive(blkioEntries(d.resolve("blkio.io_service_time_recursive")));
        b.addAllIoWaitTimeRecursive(blkioEntries(d.resolve("blkio.io_wait_time_recursive")));
        b.addAllIoMergedRecursive(blkioEntries(d.resolve("blkio.io_merged_recursive")));
        b.addAllIoTimeRecursive(blkioEntries(d.resolve("blkio.time_recursive")));
        b.addAllSectorsRecursive(blkioEntries(d.resolve("blkio.sectors_recursive")));
        return b.build();
    }

    /** Lines "MAJ:MIN [Op] VALUE"; the closing "Total N" line is a sum and left out. */
    static List<BlkIOEntry> blkioEntries(Path file) {
        List<BlkIOEntry> out = new ArrayList<>();
        for (String line : CgroupFiles.lines(file)) {
            String[] f = line.trim().split("\\s+");
            if (f.length < 2 || !f[0].contains(":")) {
                continue;
            }
            String[] dev = f[0].split(":");
            try {
                BlkIOEntry.Builder e = BlkIOEntry.newBuilder().setMajor(Long.parseLong(dev[0]))
                        .setMinor(Long.parseLong(dev[1]));
                if (f.length == 3) {
                    e.setOp(f[1]).setValue(Long.parseUnsignedLong(f[2]));
                } else {
                    e.setValue(Long.parseUnsignedLong(f[1]));
                }
                out.add(e.build());
            } catch (NumberFormatException | ArrayIndexOutOfBoundsException notAnEntry) {
                // skip
            }
        }
        return out;
    }

    /** {@code hugetlb.<size>.usage_in_bytes} and friends, one entry per page size. */
    private static List<HugetlbStat> hugetlb(Path d) {
        List<HugetlbStat> out = new ArrayList<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(d, "hugetlb.*.usage_in_bytes")) {
            for (Path f : files) {
                String name = f.getFileName().toString();
                String size = name.substring("hugetlb.".length(), name.length() - ".usage_in_bytes".length());
                String prefix = "hugetlb." + size + ".";
                out.add(HugetlbStat.newBuilder().setPagesize(size).setUsage(CgroupFiles.number(f))
                        .setMax(CgroupFiles.number(d.resolve(prefix + "max_usage_in_bytes")))
                        .setFailcnt(CgroupFiles.number(d.resolve(prefix + "failcnt"))).build());
            }
        } catch (IOException unreadable) {
            return List.of();
        }
        out.sort(java.util.Comparator.comparing(HugetlbStat::getPagesize));
        return out;
    }
}
