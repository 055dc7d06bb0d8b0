package org.containerj.runtime.runc.impl;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import org.containerj.api.errdefs.ContainerjException;

/**
 * An update's OCI {@code LinuxResources} (JSON, as clients send it in
 * {@code UpdateTaskRequest.resources}), checked before it reaches {@code runc update}: every
 * field runc reads must have the type the OCI spec gives it and a value the kernel takes,
 * so that a bad value is INVALID_ARGUMENT naming the field instead of a half-applied update
 * and runc's message. Fields runc does not read are passed on untouched (as Go's decoder
 * ignores them).
 */
final class LinuxResources {
    private static final BigInteger INT64_MIN = BigInteger.valueOf(Long.MIN_VALUE);
    private static final BigInteger INT64_MAX = BigInteger.valueOf(Long.MAX_VALUE);
    private static final BigInteger UINT64_MAX = BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE);

    private final byte[] json;

    private LinuxResources(byte[] json) {
        this.json = json;
    }

    byte[] json() {
        return json.clone();
    }

    /** Checks {@code raw} against the host's online CPUs and memory nodes. */
    static LinuxResources parse(byte[] raw) {
        return parse(raw, online(Path.of("/sys/devices/system/cpu/online")),
                online(Path.of("/sys/devices/system/node/online")));
    }

    /** Checks {@code raw}; {@code cpus} and {@code mems} are what a cpuset may name (null: anything). */
    static LinuxResources parse(byte[] raw, Set<Integer> cpus, Set<Integer> mems) {
        JsonElement e;
        try {
            e = JsonParser.parseString(new String(raw, StandardCharsets.UTF_8));
        } catch (JsonParseException ex) {
            throw ContainerjException.invalidArgument("resources: not JSON: %s", ex.getMessage());
        }
        if (!e.isJsonObject()) {
            throw ContainerjException.invalidArgument("resources: not a JSON object (OCI LinuxResources)");
        }
        JsonObject r = e.getAsJsonObject();
        memory(object(r, "memory", "resources"));
        cpu(object(r, "cpu", "resources"), cpus, mems);
        JsonObject pids = object(r, "pids", "resources");
        if (pids != null) {
            int64(pids, "limit", "pids");
        }
        blockIO(object(r, "blockIO", "resources"));
        JsonArray huge = array(r, "hugepageLimits", "resources");
        if (huge != null) {
            for (JsonElement h : huge) {
                JsonObject o = element(h, "hugepageLimits[]");
                string(o, "pageSize", "hugepageLimits[]");
                uint64(o, "limit", "hugepageLimits[]");
            }
        }
        JsonObject unified = object(r, "unified", "resources");
        if (unified != null) {
            for (Map.Entry<String, JsonElement> u : unified.entrySet()) {
                if (!u.getValue().isJsonPrimitive() || !u.getValue().getAsJsonPrimitive().isString()) {
                    throw ContainerjException.invalidArgument("resources: unified.%s must be a string", u.getKey());
                }
            }
        }
        return new LinuxResources(raw.clone());
    }

    private static void memory(JsonObject m) {
        if (m == null) {
            return;
        }
        Long limit = limit(m, "limit");
        limit(m, "reservation");
        Long swap = limit(m, "swap");
        limit(m, "kernel");
        limit(m, "kernelTCP");
        Long swappiness = uint64(m, "swappiness", "memory");
        if (swappiness != null && (swappiness < 0 || swappiness > 100)) {
            throw ContainerjException.invalidArgument("resources: memory.swappiness %s must be between 0 and 100",
                    Long.toUnsignedString(swappiness));
        }
        bool(m, "disableOOMKiller", "memory");
        bool(m, "useHierarchy", "memory");
        bool(m, "checkBeforeUpdate", "memory");
        if (limit != null && swap != null && limit > 0 && swap > 0 && swap < limit) {
            throw ContainerjException.invalidArgument(
                    "resources: memory.swap (%d) is memory plus swap and must not be below memory.limit (%d)", swap,
                    limit);
        }
    }

    /** A memory limit in bytes: -1 (unlimited), 0 (unchanged) or positive. */
    private static Long limit(JsonObject m, String field) {
        Long v = int64(m, field, "memory");
        if (v != null && v < -1) {
            throw ContainerjException.invalidArgument("resources: memory.%s %d must be -1 (unlimited) or a number of"
                    + " bytes", field, v);
        }
        return v;
    }

    private static void cpu(JsonObject c, Set<Integer> cpus, Set<Integer> mems) {
        if (c == null) {
            return;
        }
        Long shares = uint64(c, "shares", "cpu");
        if (shares != null && shares != 0 && (shares < 2 || shares > 262144)) {
            throw ContainerjException.invalidArgument("resources: cpu.shares %s must be between 2 and 262144",
                    Long.toUnsignedString(shares));
        }
        Long quota = int64(c, "quota", "cpu");
        if (quota != null && quota != 0 && quota != -1 && quota < 1000) {
            throw ContainerjException.invalidArgument(
                    "resources: cpu.quota %d must be -1 (unlimited) or at least 1000 microseconds", quota);
        }
        Long period = uint64(c, "period", "cpu");
        if (period != null && period != 0 && (period < 1000 || period > 1_000_000)) {
            throw ContainerjException.invalidArgument(
                    "resources: cpu.period %s must be between 1000 and 1000000 microseconds", Long.toUnsignedString(period));
        }
        Long burst = uint64(c, "burst", "cpu");
        if (burst != null && burst < 0) {
            throw ContainerjException.invalidArgument("resources: cpu.burst is too large");
        }
        int64(c, "realtimeRuntime", "cpu");
        uint64(c, "realtimePeriod", "cpu");
        Long idle = int64(c, "idle", "cpu");
        if (idle != null && idle != 0 && idle != 1) {
            throw ContainerjException.invalidArgument("resources: cpu.idle must be 0 or 1");
        }
        cpuset(string(c, "cpus", "cpu"), "cpu.cpus", cpus, "online CPUs");
        cpuset(string(c, "mems", "cpu"), "cpu.mems", mems, "online memory nodes");
    }

    /** A cpuset list ("0-3,6"): its syntax, and every member among {@code allowed}. */
    static void cpuset(String list, String field, Set<Integer> allowed, String what) {
        if (list == null || list.isEmpty()) {
            return;
        }
        Set<Integer> members = new TreeSet<>();
        for (String part : list.split(",", -1)) {
            String[] range = part.trim().split("-", -1);
            try {
                if (range.length == 1) {
                    members.add(Integer.parseInt(range[0]));
                } else if (range.length == 2) {
                    int from = Integer.parseInt(range[0]);
                    int to = Integer.parseInt(range[1]);
                    if (from < 0 || to < from || to - from > 65536) {
                        throw new NumberFormatException(part);
                    }
                    for (int i = from; i <= to; i++) {
                        members.add(i);
                    }
                } else {
                    throw new NumberFormatException(part);
                }
            } catch (NumberFormatException e) {
                throw ContainerjException.invalidArgument("resources: %s \"%s\" is not a list like 0-3,6", field, list);
            }
        }
        if (allowed != null) {
            List<Integer> missing = new ArrayList<>();
            for (int m : members) {
                if (!allowed.contains(m)) {
                    missing.add(m);
                }
            }
            if (!missing.isEmpty()) {
                throw ContainerjException.invalidArgument("resources: %s \"%s\" names %s, not among the %s %s", field,
                        list, missing.size() > 8 ? missing.subList(0, 8) + "..." : missing, what, new TreeSet<>(allowed));
            }
        }
    }

    private static void blockIO(JsonObject b) {
        if (b == null) {
            return;
        }
        weight(b, "weight");
        weight(b, "leafWeight");
        JsonArray devices = array(b, "weightDevice", "blockIO");
        if (devices != null) {
            for (JsonElement d : devices) {
                JsonObject o = element(d, "blockIO.weightDevice[]");
                device(o, "blockIO.weightDevice[]");
                weight(o, "weight");
                weight(o, "leafWeight");
            }
        }
        for (String t : List.of("throttleReadBpsDevice", "throttleWriteBpsDevice", "throttleReadIOPSDevice",
                "throttleWriteIOPSDevice")) {
            JsonArray a = array(b, t, "blockIO");
            if (a != null) {
                for (JsonElement d : a) {
                    JsonObject o = element(d, "blockIO." + t + "[]");
                    device(o, "blockIO." + t + "[]");
                    uint64(o, "rate", "blockIO." + t + "[]");
                }
            }
        }
    }

    /** A blkio weight: 0 (unchanged) or 10 to 1000. */
    private static void weight(JsonObject o, String field) {
        Long w = uint64(o, field, "blockIO");
        if (w != null && w != 0 && (w < 10 || w > 1000)) {
            throw ContainerjException.invalidArgument("resources: blockIO.%s %s must be between 10 and 1000", field,
                    Long.toUnsignedString(w));
        }
    }

    private static void device(JsonObject o, String where) {
        if (int64(o, "major", where) == null || int64(o, "minor", where) == null) {
            throw ContainerjException.invalidArgument("resources: %s needs major and minor", where);
        }
    }

    // ------------------------------------------------------------------ JSON types

    private static JsonObject object(JsonObject parent, String field, String where) {
        JsonElement e = parent.get(field);
        if (e == null || e.isJsonNull()) {
            return null;
        }
        if (!e.isJsonObject()) {
            throw ContainerjException.invalidArgument("resources: %s.%s must be an object", where, field);
        }
        return e.getAsJsonObject();
    }

    private static JsonArray array(JsonObject parent, String field, String where) {
        JsonElement e = parent.get(field);
        if (e == null || e.isJsonNull()) {
            return null;
        }
        if (!e.isJsonArray()) {
            throw ContainerjException.invalidArgument("resources: %s.%s must be an array", where, field);
        }
        return e.getAsJsonArray();
    }

    private static JsonObject element(JsonElement e, String where) {
        if (!e.isJsonObject()) {
            throw ContainerjException.invalidArgument("resources: %s must be an object", where);
        }
        return e.getAsJsonObject();
    }

    private static String string(JsonObject o, String field, String where) {
        JsonElement e = o.get(field);
        if (e == null || e.isJsonNull()) {
            return null;
        }
        if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isString()) {
            throw ContainerjException.invalidArgument("resources: %s.%s must be a string", where, field);
        }
        return e.getAsString();
    }

    private static void bool(JsonObject o, String field, String where) {
        JsonElement e = o.get(field);
        if (e != null && !e.isJsonNull() && !(e.isJsonPrimitive() && e.getAsJsonPrimitive().isBoolean())) {
            throw ContainerjException.invalidArgument("resources: %s.%s must be true or false", where, field);
        }
    }

    private static BigInteger integer(JsonObject o, String field, String where) {
        JsonElement e = o.get(field);
        if (e == null || e.isJsonNull()) {
            return null;
        }
        if (!e.isJsonPrimitive() || !((JsonPrimitive) e).isNumber()) {
            throw ContainerjException.invalidArgument("resources: %s.%s must be an integer, not %s", where, field, e);
        }
        try {
            return e.getAsBigDecimal().toBigIntegerExact();
        } catch (ArithmeticException | NumberFormatException notWhole) {
            throw ContainerjException.invalidArgument("resources: %s.%s must be an integer, not %s", where, field, e);
        }
    }

    private static Long int64(JsonObject o, String field, String where) {
        BigInteger v = integer(o, field, where);
        if (v == null) {
            return null;
        }
        if (v.compareTo(INT64_MIN) < 0 || v.compareTo(INT64_MAX) > 0) {
            throw ContainerjException.invalidArgument("resources: %s.%s %s is out of range", where, field, v);
        }
        return v.longValue();
    }

    /** An unsigned 64-bit value (returned as its bit pattern: read it with the unsigned methods). */
    private static Long uint64(JsonObject o, String field, String where) {
        BigInteger v = integer(o, field, where);
        if (v == null) {
            return null;
        }
        if (v.signum() < 0 || v.compareTo(UINT64_MAX) > 0) {
            throw ContainerjException.invalidArgument("resources: %s.%s %s must be between 0 and %s", where, field, v,
                    UINT64_MAX);
        }
        return v.longValue();
    }

    /** A kernel list file such as {@code /sys/devices/system/cpu/online}; null when unreadable (no check). */
    static Set<Integer> online(Path file) {
        try {
            String s = Files.readString(file, StandardCharsets.US_ASCII).trim();
            Set<Integer> all = new TreeSet<>();
            for (String part : s.split(",")) {
                String[] r = part.split("-");
                int from = Integer.parseInt(r[0].trim());
                int to = r.length > 1 ? Integer.parseInt(r[1].trim()) : from;
                for (int i = from; i <= to; i++) {
                    all.add(i);
                }
            }
            return all;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }
}
