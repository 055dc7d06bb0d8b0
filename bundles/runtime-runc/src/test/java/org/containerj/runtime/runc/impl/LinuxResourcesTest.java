package org.containerj.runtime.runc.impl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Set;

import org.containerj.api.errdefs.ContainerjException;
import org.containerj.api.errdefs.ErrorKind;
import org.junit.jupiter.api.Test;

/** Update resources are checked before runc sees them: what passes and what is INVALID_ARGUMENT. */
class LinuxResourcesTest {
    private static final Set<Integer> CPUS = Set.of(0, 1);
    private static final Set<Integer> MEMS = Set.of(0);

    private static LinuxResources parse(String json) {
        return LinuxResources.parse(json.getBytes(StandardCharsets.UTF_8), CPUS, MEMS);
    }

    private static String rejected(String json) {
        ContainerjException e = assertThrows(ContainerjException.class, () -> parse(json), json);
        assertEquals(ErrorKind.INVALID_ARGUMENT, e.kind(), e.getMessage());
        return e.getMessage();
    }

    @Test
    void whatCtrAndKubeletSendPasses() {
        String all = """
                {"memory": {"limit": 33554432, "reservation": 0, "swap": 67108864, "swappiness": 60,
                            "disableOOMKiller": false},
                 "cpu": {"shares": 512, "quota": 50000, "period": 100000, "cpus": "0-1", "mems": "0",
                         "realtimeRuntime": 0, "realtimePeriod": 0},
                 "pids": {"limit": -1},
                 "blockIO": {"weight": 500, "throttleReadBpsDevice": [{"major": 8, "minor": 0, "rate": 1048576}]},
                 "hugepageLimits": [{"pageSize": "2MB", "limit": 0}],
                 "devices": [{"allow": false, "access": "rwm"}],
                 "somethingNewer": {"x": 1}}
                """;
        assertArrayEquals(all.getBytes(StandardCharsets.UTF_8), parse(all).json(), "passed on unchanged");
        parse("{}");
        parse("{\"memory\": {\"limit\": -1}, \"cpu\": {\"quota\": -1}}");
        parse("{\"memory\": null, \"cpu\": {\"cpus\": \"\"}}");
        parse("{\"cpu\": {\"shares\": 0, \"period\": 0}}"); // zero: unchanged
    }

    @Test
    void typesAreOciTypes() {
        assertTrue(rejected("not json").contains("not JSON"));
        assertTrue(rejected("[1]").contains("not a JSON object"));
        assertTrue(rejected("{\"memory\": {\"limit\": \"abc\"}}").contains("memory.limit must be an integer"));
        assertTrue(rejected("{\"memory\": {\"limit\": 1.5}}").contains("memory.limit"));
        assertTrue(rejected("{\"memory\": 5}").contains("resources.memory must be an object"));
        assertTrue(rejected("{\"memory\": {\"limit\": 9223372036854775808}}").contains("out of range"));
        assertTrue(rejected("{\"cpu\": {\"period\": -1}}").contains("cpu.period"));
        assertTrue(rejected("{\"cpu\": {\"cpus\": 3}}").contains("cpu.cpus must be a string"));
        assertTrue(rejected("{\"memory\": {\"disableOOMKiller\": \"yes\"}}").contains("true or false"));
        assertTrue(rejected("{\"blockIO\": {\"throttleReadBpsDevice\": {}}}").contains("must be an array"));
        assertTrue(rejected("{\"blockIO\": {\"throttleReadBpsDevice\": [{\"rate\": 1}]}}").contains("major and minor"));
        assertTrue(rejected("{\"unified\": {\"memory.max\": 5}}").contains("must be a string"));
    }

    @Test
    void valuesTheKernelRefuses() {
        assertTrue(rejected("{\"memory\": {\"limit\": -5}}").contains("memory.limit -5"));
        assertTrue(rejected("{\"memory\": {\"limit\": 100000000, \"swap\": 50000000}}").contains("memory.swap"));
        assertTrue(rejected("{\"memory\": {\"swappiness\": 101}}").contains("swappiness"));
        assertTrue(rejected("{\"cpu\": {\"shares\": 1}}").contains("cpu.shares 1"));
        assertTrue(rejected("{\"cpu\": {\"quota\": 999}}").contains("cpu.quota 999"));
        assertTrue(rejected("{\"cpu\": {\"period\": 999}}").contains("cpu.period"));
        assertTrue(rejected("{\"cpu\": {\"period\": 2000000}}").contains("cpu.period"));
        assertTrue(rejected("{\"blockIO\": {\"weight\": 5}}").contains("blockIO.weight 5"));
        assertTrue(rejected("{\"cpu\": {\"idle\": 2}}").contains("cpu.idle"));
    }

    @Test
    void cpusetsNameOnlineCpusAndNodes() {
        assertTrue(rejected("{\"cpu\": {\"cpus\": \"0-999\"}}").contains("not among the online CPUs [0, 1]"));
        assertTrue(rejected("{\"cpu\": {\"cpus\": \"3\"}}").contains("[3]"));
        assertTrue(rejected("{\"cpu\": {\"cpus\": \"1-0\"}}").contains("is not a list"));
        assertTrue(rejected("{\"cpu\": {\"cpus\": \"a\"}}").contains("is not a list"));
        assertTrue(rejected("{\"cpu\": {\"cpus\": \"0,,1\"}}").contains("is not a list"));
        assertTrue(rejected("{\"cpu\": {\"mems\": \"1\"}}").contains("online memory nodes"));
        parse("{\"cpu\": {\"cpus\": \"0,1\", \"mems\": \"0\"}}");
        LinuxResources.cpuset("0-7", "cpu.cpus", null, "online CPUs"); // unknown host: syntax only
    }

    @Test
    void onlineListsOfThisHost() {
        Set<Integer> cpus = LinuxResources.online(java.nio.file.Path.of("/sys/devices/system/cpu/online"));
        assertTrue(cpus == null || cpus.contains(0), String.valueOf(cpus));
        assertEquals(null, LinuxResources.online(java.nio.file.Path.of("/nonexistent")));
    }
}
