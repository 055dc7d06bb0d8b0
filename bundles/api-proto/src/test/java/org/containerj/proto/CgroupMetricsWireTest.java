package org.containerj.proto;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor.Type;
import com.google.protobuf.InvalidProtocolBufferException;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * ctr decodes task metrics by the Any's type URL and the field numbers of
 * containerd/cgroups' messages; a sample of both versions is pinned here.
 */
class CgroupMetricsWireTest {

    private static void field(Descriptor m, String name, int number, Type type) {
        FieldDescriptor f = m.findFieldByName(name);
        assertNotNull(f, m.getFullName() + " has no field " + name);
        assertEquals(number, f.getNumber(), m.getFullName() + "." + name + " number");
        assertEquals(type, f.getType(), m.getFullName() + "." + name + " type");
    }

    @Test
    void v1Names() {
        Descriptor m = org.containerj.proto.cgroups.v1.Metrics.getDescriptor();
        assertEquals("io.containerd.cgroups.v1.Metrics", m.getFullName());
        field(m, "hugetlb", 1, Type.MESSAGE);
        assertTrue(m.findFieldByName("hugetlb").isRepeated());
        field(m, "pids", 2, Type.MESSAGE);
        field(m, "cpu", 3, Type.MESSAGE);
        field(m, "memory", 4, Type.MESSAGE);
        field(m, "blkio", 5, Type.MESSAGE);
        field(m, "memory_oom_control", 9, Type.MESSAGE);
        Descriptor mem = org.containerj.proto.cgroups.v1.MemoryStat.getDescriptor();
        field(mem, "cache", 1, Type.UINT64);
        field(mem, "hierarchical_memory_limit", 16, Type.UINT64);
        field(mem, "total_unevictable", 32, Type.UINT64);
        field(mem, "usage", 33, Type.MESSAGE);
        field(mem, "kernel_tcp", 36, Type.MESSAGE);
        Descriptor usage = org.containerj.proto.cgroups.v1.CPUUsage.getDescriptor();
        field(usage, "per_cpu", 4, Type.UINT64);
        field(org.containerj.proto.cgroups.v1.BlkIOEntry.getDescriptor(), "value", 5, Type.UINT64);
        field(org.containerj.proto.cgroups.v1.HugetlbStat.getDescriptor(), "pagesize", 4, Type.STRING);
    }

    @Test
    void v2Names() {
        Descriptor m = org.containerj.proto.cgroups.v2.Metrics.getDescriptor();
        assertEquals("io.containerd.cgroups.v2.Metrics", m.getFullName());
        field(m, "pids", 1, Type.MESSAGE);
        field(m, "cpu", 2, Type.MESSAGE);
        field(m, "memory", 4, Type.MESSAGE);
        field(m, "io", 6, Type.MESSAGE);
        field(m, "hugetlb", 7, Type.MESSAGE);
        field(m, "memory_events", 8, Type.MESSAGE);
        Descriptor mem = org.containerj.proto.cgroups.v2.MemoryStat.getDescriptor();
        field(mem, "anon", 1, Type.UINT64);
        field(mem, "usage", 32, Type.UINT64);
        field(mem, "usage_limit", 33, Type.UINT64);
        field(mem, "swap_max_usage", 37, Type.UINT64);
        field(org.containerj.proto.cgroups.v2.CPUStat.getDescriptor(), "throttled_usec", 6, Type.UINT64);
        field(org.containerj.proto.cgroups.v2.MemoryEvents.getDescriptor(), "oom_kill", 5, Type.UINT64);
        field(org.containerj.proto.cgroups.v2.IOEntry.getDescriptor(), "wios", 6, Type.UINT64);
    }

    @Test
    void packedPerCpuOnTheWire() throws InvalidProtocolBufferException {
        // proto3 packs repeated scalars: field 4, length-delimited, varints 1 and 2
        byte[] wire = {0x08, 0x03, 0x22, 0x02, 0x01, 0x02};
        org.containerj.proto.cgroups.v1.CPUUsage u = org.containerj.proto.cgroups.v1.CPUUsage.parseFrom(wire);
        assertEquals(3, u.getTotal());
        assertEquals(List.of(1L, 2L), u.getPerCpuList());
    }
}
