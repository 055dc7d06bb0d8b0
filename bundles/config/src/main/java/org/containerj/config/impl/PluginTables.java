package org.containerj.config.impl;

import java.time.temporal.TemporalAccessor;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Turns a TOML table into Configuration Admin properties.
 *
 * <ul>
 * <li>nested tables are flattened with {@code .}: {@code [x.registry] config_path = "/d"}
 *     becomes {@code registry.config_path = "/d"};</li>
 * <li>integers are {@code Long}, floats {@code Double}, booleans {@code Boolean}, strings
 *     {@code String}, date-times their ISO-8601 {@code String};</li>
 * <li>an array of scalars of one type becomes {@code String[]}, {@code Long[]},
 *     {@code Double[]} or {@code Boolean[]} (integers mixed with floats: {@code Double[]}; any
 *     other mix: {@code String[]}, with a warning; empty: {@code String[0]});</li>
 * <li>an array that holds tables or arrays is flattened by index: {@code [[x.hosts]] name = "a"}
 *     becomes {@code hosts.0.name = "a"}.</li>
 * </ul>
 *
 * Keys that Configuration Admin would reject or that would collide are errors: an empty key,
 * two keys that differ only in case (property names are case-insensitive), and the reserved
 * names {@code service.pid}, {@code service.factoryPid}, {@code service.bundleLocation} and
 * {@value ConfigAdminSync#SOURCE}.
 */
final class PluginTables {

    static final Set<String> RESERVED = Set.of(
        "service.pid", "service.factorypid", "service.bundlelocation",
        ConfigAdminSync.SOURCE.toLowerCase(Locale.ROOT));

    private PluginTables() {
    }

    /**
     * Flattens a table.
     *
     * @param table the table's entries
     * @param path where the table is, for messages
     * @param problems where errors and warnings go
     * @return the properties, sorted by name
     */
    static SortedMap<String, Object> flatten(Map<String, Object> table, KeyPath path, ProblemList problems) {
        SortedMap<String, Object> out = new TreeMap<>();
        Map<String, String> byLowerCase = new HashMap<>();
        flattenInto(table, "", path, out, byLowerCase, problems);
        return out;
    }

    private static void flattenInto(Map<String, Object> table, String prefix, KeyPath path,
                                    SortedMap<String, Object> out, Map<String, String> byLowerCase,
                                    ProblemList problems) {
        for (Map.Entry<String, Object> e : table.entrySet()) {
            KeyPath keyPath = path.child(e.getKey());
            if (e.getKey().isEmpty()) {
                problems.error(keyPath, "empty key");
                continue;
            }
            put(prefix + e.getKey(), e.getValue(), keyPath, out, byLowerCase, problems);
        }
    }

    private static void put(String name, Object value, KeyPath keyPath, SortedMap<String, Object> out,
                            Map<String, String> byLowerCase, ProblemList problems) {
        if (TomlValues.isTable(value)) {
            flattenInto(TomlValues.table(value), name + ".", keyPath, out, byLowerCase, problems);
            return;
        }
        if (value instanceof List<?> list && !isScalarArray(list)) {
            for (int i = 0; i < list.size(); i++) {
                put(name + "." + i, list.get(i), keyPath.index(i), out, byLowerCase, problems);
            }
            return;
        }
        String lower = name.toLowerCase(Locale.ROOT);
        if (RESERVED.contains(lower)) {
            problems.error(keyPath, "\"" + name + "\" is a reserved property name");
            return;
        }
        String previous = byLowerCase.putIfAbsent(lower, name);
        if (previous != null) {
            problems.error(keyPath, "property \"" + name + "\" collides with \"" + previous
                + "\" (property names are case-insensitive and nested tables are joined with '.')");
            return;
        }
        out.put(name, value instanceof List<?> list ? array(list, keyPath, problems) : scalar(value));
    }

    private static boolean isScalarArray(List<?> list) {
        return list.stream().noneMatch(v -> TomlValues.isTable(v) || v instanceof List<?>);
    }

    static Object scalar(Object value) {
        if (value instanceof TemporalAccessor) {
            return value.toString();
        }
        return value;
    }

    static Object[] array(List<?> list, KeyPath keyPath, ProblemList problems) {
        if (list.isEmpty()) {
            return new String[0];
        }
        if (list.stream().allMatch(v -> v instanceof String || v instanceof TemporalAccessor)) {
            return list.stream().map(Object::toString).toArray(String[]::new);
        }
        if (list.stream().allMatch(v -> v instanceof Long)) {
            return list.toArray(new Long[0]);
        }
        if (list.stream().allMatch(v -> v instanceof Boolean)) {
            return list.toArray(new Boolean[0]);
        }
        if (list.stream().allMatch(v -> v instanceof Number)) {
            return list.stream().map(v -> ((Number) v).doubleValue()).toArray(Double[]::new);
        }
        problems.warn(keyPath, "array mixes value types; its values are passed on as strings");
        return list.stream().map(String::valueOf).toArray(String[]::new);
    }
}
