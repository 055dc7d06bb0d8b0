package org.containerj.runtime.runc.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.containerj.api.errdefs.ContainerjException;
import org.containerj.api.errdefs.ErrorKind;
import org.containerj.api.runtime.Task;
import org.containerj.proto.cgroups.v1.BlkIOEntry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Task metrics from fake cgroup trees in a temporary directory: a cgroup v1 host laid out as
 * this one is (cpu and cpuacct mounted apart, a controller-less cgroup2 beside them), and a
 * unified cgroup v2 host, described to the code by mountinfo lines that point into the tree.
 */
class TaskCgroupTest {
    @TempDir
    Path tmp;

    private static void write(Path dir, String name, String content) throws IOException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve(name), content);
    }

    private Path config(String cgroupsPath) throws IOException {
        Path c = tmp.resolve("bundle/config.json");
        Files.createDirectories(c.getParent());
        Files.writeString(c, "{\"process\":{},\"linux\":{\"cgroupsPath\":\"" + cgroupsPath + "\"}}");
        return c;
    }

    private String v1Mount(int id, String controllers) {
        return id + " 31 0:" + id + " / " + tmp.resolve("cg/" + controllers.replace(',', '_'))
                + " rw,relatime shared:9 - cgroup cgroup rw," + controllers;
    }

    private CgroupHierarchy hybrid() {
        return CgroupHierarchy.parse(List.of(
                "23 1 0:21 / /sys rw,nosuid - sysfs sysfs rw",
                v1Mount(32, "cpu"), v1Mount(33, "cpuacct"), v1Mount(35, "memory"), v1Mount(36, "pids"),
                v1Mount(38, "blkio"),
                "40 31 0:37 / " + tmp.resolve("cg/systemd") + " rw - cgroup cgroup rw,name=systemd",
                "41 31 0:38 / " + tmp.resolve("cg/unified") + " rw - cgroup2 cgroup2 rw"));
    }

    @Test
    void v1MetricsFromEveryController() throws Exception {
        CgroupHierarchy h = hybrid();
        assertTrue(h.isV1());
        assertFalse(h.isV2());
        Path cg = tmp.resolve("cg");
        write(cg.resolve("pids/default/c1"), "pids.current", "3\n");
        write(cg.resolve("pids/default/c1"), "pids.max", "max\n");
        write(cg.resolve("cpuacct/default/c1"), "cpuacct.usage", "15171820\n");
        write(cg.resolve("cpuacct/default/c1"), "cpuacct.usage_percpu", "2660739 12511081 \n");
        write(cg.resolve("cpuacct/default/c1"), "cpuacct.stat", "user 1\nsystem 2\n");
        write(cg.resolve("cpu/default/c1"), "cpu.stat", "nr_periods 10\nnr_throttled 4\nthrottled_time 5000\n");
        Path mem = cg.resolve("memory/default/c1");
        write(mem, "memory.stat", "cache 0\nrss 49152\npgpgin 451\nhierarchical_memory_limit 49999872\n"
                + "hierarchical_memsw_limit 9223372036854771712\ntotal_rss 49152\ntotal_unevictable 7\n");
        write(mem, "memory.usage_in_bytes", "552960\n");
        write(mem, "memory.limit_in_bytes", "49999872\n");
        write(mem, "memory.max_usage_in_bytes", "2514944\n");
        write(mem, "memory.failcnt", "0\n");
        write(mem, "memory.memsw.usage_in_bytes", "552960\n");
        write(mem, "memory.memsw.limit_in_bytes", "9223372036854771712\n");
        write(mem, "memory.kmem.usage_in_bytes", "233472\n");
        write(mem, "memory.oom_control", "oom_kill_disable 0\nunder_oom 0\noom_kill 2\n");
        write(cg.resolve("blkio/default/c1"), "blkio.throttle.io_service_bytes_recursive",
                "8:0 Read 4096\n8:0 Write 0\n8:0 Total 4096\nTotal 4096\n");

        TaskCgroup t = TaskCgroup.locate(h, config("/default/c1"), 0, tmp.resolve("proc")).orElseThrow();
        Task.Metrics raw = t.metrics("c1");
        assertEquals("io.containerd.cgroups.v1.Metrics", raw.typeUrl());
        var m = org.containerj.proto.cgroups.v1.Metrics.parseFrom(raw.data());
        assertEquals(3, m.getPids().getCurrent());
        assertEquals(0, m.getPids().getLimit());
        assertEquals(15171820, m.getCpu().getUsage().getTotal());
        assertEquals(List.of(2660739L, 12511081L), m.getCpu().getUsage().getPerCpuList());
        assertEquals(10_000_000, m.getCpu().getUsage().getUser());
        assertEquals(20_000_000, m.getCpu().getUsage().getKernel());
        assertEquals(4, m.getCpu().getThrottling().getThrottledPeriods());
        assertEquals(5000, m.getCpu().getThrottling().getThrottledTime());
        assertEquals(49152, m.getMemory().getRss());
        assertEquals(451, m.getMemory().getPgPgIn());
        assertEquals(9223372036854771712L, m.getMemory().getHierarchicalSwapLimit());
        assertEquals(7, m.getMemory().getTotalUnevictable());
        assertEquals(552960, m.getMemory().getUsage().getUsage());
        assertEquals(49999872, m.getMemory().getUsage().getLimit());
        assertEquals(2514944, m.getMemory().getUsage().getMax());
        assertEquals(552960, m.getMemory().getSwap().getUsage());
        assertEquals(233472, m.getMemory().getKernel().getUsage());
        assertFalse(m.getMemory().hasKernelTcp(), "no memory.kmem.tcp files, no entry");
        assertEquals(2, m.getMemoryOomControl().getOomKill());
        assertEquals(List.of(BlkIOEntry.newBuilder().setMajor(8).setOp("Read").setValue(4096).build(),
                BlkIOEntry.newBuilder().setMajor(8).setOp("Write").setValue(0).build(),
                BlkIOEntry.newBuilder().setMajor(8).setOp("Total").setValue(4096).build()),
                m.getBlkio().getIoServiceBytesRecursiveList());
        assertEquals(2, t.oomKills());
    }

    @Test
    void aRemovedCgroupIsNotFound() throws Exception {
        TaskCgroup t = TaskCgroup.locate(hybrid(), config("/default/gone"), 0, tmp.resolve("proc")).orElseThrow();
        ContainerjException e = assertThrows(ContainerjException.class, () -> t.metrics("gone"));
        assertEquals(ErrorKind.NOT_FOUND, e.kind());
        assertEquals(-1, t.oomKills());
    }

    @Test
    void relativeCgroupsPathIsTheInitProcesssView() throws Exception {
        write(tmp.resolve("proc/42"), "cgroup", "9:name=systemd:/\n8:pids:/outer/rel\n4:memory:/outer/rel\n"
                + "2:cpuacct:/outer/rel\n1:cpu:/outer/rel\n0::/\n");
        write(tmp.resolve("cg/pids/outer/rel"), "pids.current", "1\n");
        TaskCgroup t = TaskCgroup.locate(hybrid(), config("rel"), 42, tmp.resolve("proc")).orElseThrow();
        assertEquals(tmp.resolve("cg/pids/outer/rel"), t.v1("pids").orElseThrow());
        var m = org.containerj.proto.cgroups.v1.Metrics.parseFrom(t.metrics("x").data());
        assertEquals(1, m.getPids().getCurrent());
        assertTrue(TaskCgroup.locate(hybrid(), config("rel"), 43, tmp.resolve("proc")).isEmpty(),
                "no such process, no cgroup");
    }

    @Test
    void pathsStayBelowTheMountAndHonourItsRoot() {
        CgroupHierarchy h = CgroupHierarchy.parse(List.of(
                "35 31 0:32 /process_api " + tmp.resolve("mem") + " rw - cgroup cgroup rw,memory"));
        assertEquals(tmp.resolve("mem/a"), h.v1Dir("memory", "/process_api/a").orElseThrow());
        assertEquals(tmp.resolve("mem/etc"), h.v1Dir("memory", "/../../etc").orElseThrow());
        assertEquals(tmp.resolve("mem"), h.v1Dir("memory", "/process_api").orElseThrow());
        assertTrue(h.v1Dir("cpu", "/a").isEmpty());
        CgroupHierarchy spaced = CgroupHierarchy.parse(List.of(
                "35 31 0:32 / " + tmp.resolve("with\\040space") + " rw - cgroup cgroup rw,pids"));
        assertEquals(tmp.resolve("with space/x"), spaced.v1Dir("pids", "/x").orElseThrow());
    }

    @Test
    void v2MetricsFromTheUnifiedDirectory() throws Exception {
        CgroupHierarchy h = CgroupHierarchy.parse(List.of(
                "30 23 0:26 / " + tmp.resolve("unified") + " rw,nosuid shared:4 - cgroup2 cgroup2 rw,nsdelegate"));
        assertTrue(h.isV2());
        Path d = tmp.resolve("unified/containerj/ns-c2");
        write(d, "pids.current", "2\n");
        write(d, "pids.max", "100\n");
        write(d, "cpu.stat", "usage_usec 900\nuser_usec 600\nsystem_usec 300\nnr_periods 5\nnr_throttled 1\n"
                + "throttled_usec 70\n");
        write(d, "memory.current", "1048576\n");
        write(d, "memory.max", "max\n");
        write(d, "memory.swap.current", "0\n");
        write(d, "memory.swap.max", "max\n");
        write(d, "memory.peak", "2097152\n");
        write(d, "memory.stat", "anon 4096\nfile 8192\nkernel_stack 16384\nshmem 12\npgfault 77\n"
                + "thp_collapse_alloc 3\nunknown_future_key 9\n");
        write(d, "memory.events", "low 0\nhigh 0\nmax 4\noom 2\noom_kill 1\n");
        write(d, "io.stat", "8:16 rbytes=1024 wbytes=2048 rios=3 wios=4 dbytes=0 dios=0\n");
        write(d, "hugetlb.2MB.current", "0\n");
        write(d, "hugetlb.2MB.max", "max\n");

        TaskCgroup t = TaskCgroup.locate(h, config("/containerj/ns-c2"), 0, tmp.resolve("proc")).orElseThrow();
        Task.Metrics raw = t.metrics("c2");
        assertEquals("io.containerd.cgroups.v2.Metrics", raw.typeUrl());
        var m = org.containerj.proto.cgroups.v2.Metrics.parseFrom(raw.data());
        assertEquals(2, m.getPids().getCurrent());
        assertEquals(100, m.getPids().getLimit());
        assertEquals(900, m.getCpu().getUsageUsec());
        assertEquals(300, m.getCpu().getSystemUsec());
        assertEquals(70, m.getCpu().getThrottledUsec());
        assertEquals(4096, m.getMemory().getAnon());
        assertEquals(16384, m.getMemory().getKernelStack());
        assertEquals(12, m.getMemory().getShmem());
        assertEquals(77, m.getMemory().getPgfault());
        assertEquals(3, m.getMemory().getThpCollapseAlloc());
        assertEquals(1048576, m.getMemory().getUsage());
        assertEquals("18446744073709551615", Long.toUnsignedString(m.getMemory().getUsageLimit()));
        assertEquals(2097152, m.getMemory().getMaxUsage());
        assertEquals(1, m.getMemoryEvents().getOomKill());
        assertEquals(4, m.getMemoryEvents().getMax());
        assertEquals(1, m.getIo().getUsageCount());
        assertEquals(16, m.getIo().getUsage(0).getMinor());
        assertEquals(2048, m.getIo().getUsage(0).getWbytes());
        assertEquals(4, m.getIo().getUsage(0).getWios());
        assertEquals("2MB", m.getHugetlb(0).getPagesize());
        assertEquals(1, t.oomKills());
    }

    @Test
    void procCgroupLines() {
        assertEquals(Map.of("cpu", "/a", "cpuacct", "/a", "name=systemd", "/", "", "/u"),
                TaskCgroup.parseProcCgroup(List.of("2:cpu,cpuacct:/a", "1:name=systemd:/", "0::/u", "junk")));
    }
}
