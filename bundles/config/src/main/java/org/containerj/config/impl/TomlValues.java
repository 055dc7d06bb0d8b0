package org.containerj.config.impl;

import java.time.temporal.TemporalAccessor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.electronwill.nightconfig.core.UnmodifiableConfig;

/**
 * The values of a parsed TOML document as plain Java: a table is a {@code Map<String, Object>}
 * (in file order), an array a {@code List<Object>}, an integer a {@code Long}, a float a
 * {@code Double}; strings, booleans and date-times ({@code java.time}) stay as they are.
 */
final class TomlValues {

    private TomlValues() {
    }

    /** Converts night-config's tree into plain maps and lists. */
    static Object plain(Object value) {
        if (value instanceof UnmodifiableConfig c) {
            Map<String, Object> m = new LinkedHashMap<>();
            c.valueMap().forEach((k, v) -> m.put(k, plain(v)));
            return m;
        }
        if (value instanceof List<?> l) {
            List<Object> out = new ArrayList<>(l.size());
            for (Object o : l) {
                out.add(plain(o));
            }
            return out;
        }
        if (value instanceof Integer || value instanceof Short || value instanceof Byte) {
            return ((Number) value).longValue();
        }
        if (value instanceof Float f) {
            return f.doubleValue();
        }
        return value;
    }

    static boolean isTable(Object value) {
        return value instanceof Map<?, ?>;
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> table(Object value) {
        return (Map<String, Object>) value;
    }

    /** The TOML name of a value's type, for messages. */
    static String typeName(Object value) {
        if (value instanceof String) {
            return "string";
        }
        if (value instanceof Long || value instanceof Integer) {
            return "integer";
        }
        if (value instanceof Double || value instanceof Float) {
            return "float";
        }
        if (value instanceof Boolean) {
            return "boolean";
        }
        if (value instanceof TemporalAccessor) {
            return "date-time";
        }
        if (value instanceof Map<?, ?>) {
            return "table";
        }
        if (value instanceof List<?>) {
            return "array";
        }
        return value == null ? "nothing" : value.getClass().getSimpleName();
    }

    /** A value as a message shows it: {@code string "x"}, {@code integer 5}, {@code table}. */
    static String describe(Object value) {
        if (value instanceof String s) {
            return "string \"" + s + "\"";
        }
        if (value instanceof Map<?, ?> || value instanceof List<?>) {
            return typeName(value);
        }
        return typeName(value) + " " + value;
    }

    /**
     * Whether a value is its type's zero value ("", 0, false, empty table or array), the way
     * containerd's {@code config default} writes keys that are not in use.
     */
    static boolean isZero(Object value) {
        if (value instanceof String s) {
            return s.isEmpty();
        }
        if (value instanceof Long l) {
            return l == 0L;
        }
        if (value instanceof Double d) {
            return d == 0.0;
        }
        if (value instanceof Boolean b) {
            return !b;
        }
        if (value instanceof Map<?, ?> m) {
            return m.values().stream().allMatch(TomlValues::isZero);
        }
        if (value instanceof List<?> l) {
            return l.isEmpty();
        }
        return false;
    }
}
