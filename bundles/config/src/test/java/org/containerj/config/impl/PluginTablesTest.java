package org.containerj.config.impl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;

import org.junit.jupiter.api.Test;

class PluginTablesTest {

    private final ProblemList problems = new ProblemList(Path.of("/etc/containerj/config.toml"));
    private final KeyPath at = KeyPath.of("plugins", "io.containerd.x.v1.y");

    private SortedMap<String, Object> flatten(String toml) throws ConfigFile.SyntaxError {
        return PluginTables.flatten(ConfigFile.parse(toml), at, problems);
    }

    @Test
    void scalarsKeepTheirTomlType() throws Exception {
        SortedMap<String, Object> p = flatten("""
            s = "text"
            i = 42
            big = 9999999999
            f = 0.25
            b = true
            d = 1979-05-27T07:32:00Z
            """);
        assertEquals("text", p.get("s"));
        assertEquals(42L, p.get("i"));
        assertEquals(9999999999L, p.get("big"));
        assertEquals(0.25, p.get("f"));
        assertEquals(Boolean.TRUE, p.get("b"));
        assertEquals("1979-05-27T07:32Z", p.get("d"));
        assertTrue(problems.all().isEmpty());
    }

    @Test
    void nestedTablesAreJoinedWithDots() throws Exception {
        SortedMap<String, Object> p = flatten("""
            top = 1
            [containerd]
              snapshotter = "overlayfs"
              [containerd.runtimes.runc.options]
                SystemdCgroup = true
            [registry.mirrors."docker.io"]
              endpoint = ["https://a"]
            """);
        assertEquals(List.of("containerd.runtimes.runc.options.SystemdCgroup", "containerd.snapshotter",
            "registry.mirrors.docker.io.endpoint", "top"), List.copyOf(p.keySet()));
        assertEquals(Boolean.TRUE, p.get("containerd.runtimes.runc.options.SystemdCgroup"));
    }

    @Test
    void arraysBecomeTypedArrays() throws Exception {
        SortedMap<String, Object> p = flatten("""
            strings = ["a", "b"]
            longs = [1, 2]
            doubles = [1.5, 2]
            bools = [true, false]
            empty = []
            """);
        assertArrayEquals(new String[] {"a", "b"}, (String[]) p.get("strings"));
        assertArrayEquals(new Long[] {1L, 2L}, (Long[]) p.get("longs"));
        assertArrayEquals(new Double[] {1.5, 2.0}, (Double[]) p.get("doubles"));
        assertArrayEquals(new Boolean[] {true, false}, (Boolean[]) p.get("bools"));
        assertArrayEquals(new String[0], (String[]) p.get("empty"));
        assertTrue(problems.all().isEmpty());
    }

    @Test
    void mixedArraysBecomeStringsWithAWarning() throws Exception {
        SortedMap<String, Object> p = flatten("mixed = [1, \"a\", true]\n");
        assertArrayEquals(new String[] {"1", "a", "true"}, (String[]) p.get("mixed"));
        assertEquals(1, problems.all().size());
        assertFalse(problems.hasErrors());
        assertEquals("plugins.\"io.containerd.x.v1.y\".mixed", problems.all().get(0).key().toString());
    }

    @Test
    void arraysOfTablesAreFlattenedByIndex() throws Exception {
        SortedMap<String, Object> p = flatten("""
            [[hosts]]
              name = "a"
              port = 1
            [[hosts]]
              name = "b"
            [other]
              nested = [[1, 2], ["x"]]
            """);
        assertEquals("a", p.get("hosts.0.name"));
        assertEquals(1L, p.get("hosts.0.port"));
        assertEquals("b", p.get("hosts.1.name"));
        assertArrayEquals(new Long[] {1L, 2L}, (Long[]) p.get("other.nested.0"));
        assertArrayEquals(new String[] {"x"}, (String[]) p.get("other.nested.1"));
    }

    @Test
    void keysThatCollideAreErrors() throws Exception {
        flatten("""
            Snapshotter = "a"
            snapshotter = "b"
            """);
        assertEquals(1, problems.all().size());
        assertEquals("plugins.\"io.containerd.x.v1.y\".snapshotter", problems.all().get(0).key().toString());

        ProblemList other = new ProblemList(null);
        PluginTables.flatten(ConfigFile.parse("\"a.b\" = 1\n[a]\nb = 2\n"), at, other);
        assertTrue(other.hasErrors());
    }

    @Test
    void reservedAndEmptyKeysAreErrors() throws Exception {
        Map<String, Object> p = flatten("""
            ok = 1
            "service.pid" = "x"
            "" = 1
            [containerj.config]
              source = "y"
            """);
        assertEquals(Map.of("ok", 1L), p);
        assertEquals(3, problems.all().stream().filter(ConfigProblem::isError).count(), problems.all()::toString);
    }
}
