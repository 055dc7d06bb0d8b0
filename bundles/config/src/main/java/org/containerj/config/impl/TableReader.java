package org.containerj.config.impl;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads the known keys of one table with their expected types; a value of the wrong type is
 * an error naming the key. Remembers which keys were read, so that the rest can be reported
 * as unknown.
 */
final class TableReader {

    private final Map<String, Object> table;
    private final KeyPath path;
    private final ProblemList problems;
    private final Set<String> known = new HashSet<>();

    TableReader(Map<String, Object> table, KeyPath path, ProblemList problems) {
        this.table = table;
        this.path = path;
        this.problems = problems;
    }

    KeyPath path(String key) {
        return path.child(key);
    }

    ProblemList problems() {
        return problems;
    }

    boolean has(String key) {
        known.add(key);
        return table.containsKey(key);
    }

    /** The raw value, or null; marks the key as known. */
    Object raw(String key) {
        known.add(key);
        return table.get(key);
    }

    String string(String key) {
        Object v = raw(key);
        if (v == null || v instanceof String) {
            return (String) v;
        }
        wrongType(key, "a string", v);
        return null;
    }

    /** A string that, when present, must not be empty. */
    String nonEmptyString(String key) {
        String s = string(key);
        if (s != null && s.isEmpty()) {
            problems.error(path(key), "must not be empty");
            return null;
        }
        return s;
    }

    Long integer(String key, long min, long max) {
        Object v = raw(key);
        if (v == null) {
            return null;
        }
        if (!(v instanceof Long l)) {
            wrongType(key, "an integer", v);
            return null;
        }
        if (l < min || l > max) {
            problems.error(path(key), "must be between " + min + " and " + max + ", got " + l);
            return null;
        }
        return l;
    }

    Boolean bool(String key) {
        Object v = raw(key);
        if (v == null || v instanceof Boolean) {
            return (Boolean) v;
        }
        wrongType(key, "a boolean", v);
        return null;
    }

    /** An array of strings, or null when the key is absent or invalid. */
    List<String> strings(String key) {
        Object v = raw(key);
        if (v == null) {
            return null;
        }
        if (!(v instanceof List<?> list)) {
            wrongType(key, "an array of strings", v);
            return null;
        }
        List<String> out = new ArrayList<>(list.size());
        for (int i = 0; i < list.size(); i++) {
            Object e = list.get(i);
            if (e instanceof String s) {
                out.add(s);
            } else {
                problems.error(path(key).index(i), "expected a string, got " + TomlValues.describe(e));
                return null;
            }
        }
        return List.copyOf(out);
    }

    /** A sub-table, or null when the key is absent or not a table. */
    Map<String, Object> table(String key) {
        Object v = raw(key);
        if (v == null) {
            return null;
        }
        if (!TomlValues.isTable(v)) {
            wrongType(key, "a table", v);
            return null;
        }
        return TomlValues.table(v);
    }

    /** A known containerd key that containerj does not implement: warns when it is set. */
    void unsupported(String key, String why) {
        Object v = raw(key);
        if (v != null && !TomlValues.isZero(v)) {
            problems.warn(path(key), why);
        }
    }

    /** Warns about every key of this table that was not read. */
    void warnUnknown() {
        for (String key : table.keySet()) {
            if (!known.contains(key)) {
                problems.warn(path(key), "unknown key, ignored");
            }
        }
    }

    private void wrongType(String key, String expected, Object got) {
        problems.error(path(key), "expected " + expected + ", got " + TomlValues.describe(got));
    }
}
