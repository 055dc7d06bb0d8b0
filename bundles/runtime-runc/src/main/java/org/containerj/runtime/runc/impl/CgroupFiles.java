package org.containerj.runtime.runc.impl;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

/**
 * Reading cgroup interface files. A file that does not exist (a controller or feature the
 * kernel lacks) reads as absent, never as an error: statistics are what the host offers.
 */
final class CgroupFiles {
    /** What containerd reports for a v2 limit of "max". */
    static final long MAX = -1L; // as unsigned: 18446744073709551615

    private CgroupFiles() {
    }

    static List<String> lines(Path file) {
        try {
            return Files.readAllLines(file, StandardCharsets.US_ASCII);
        } catch (IOException | RuntimeException e) {
            return List.of();
        }
    }

    /** A single number; "max" reads as {@code max}; absent when missing or unreadable. */
    static OptionalLong number(Path file, long max) {
        List<String> l = lines(file);
        if (l.isEmpty()) {
            return OptionalLong.empty();
        }
        String s = l.get(0).trim();
        if (s.equals("max")) {
            return OptionalLong.of(max);
        }
        try {
            return OptionalLong.of(Long.parseUnsignedLong(s));
        } catch (NumberFormatException e) {
            try {
                return OptionalLong.of(Math.max(0, Long.parseLong(s))); // e.g. a negative quota
            } catch (NumberFormatException e2) {
                return OptionalLong.empty();
            }
        }
    }

    static long number(Path file) {
        return number(file, 0).orElse(0);
    }

    /** A flat keyed file ("key value" per line), e.g. memory.stat, cpu.stat, memory.events. */
    static Map<String, Long> keyed(Path file) {
        Map<String, Long> m = new LinkedHashMap<>();
        for (String line : lines(file)) {
            String[] f = line.trim().split("\\s+");
            if (f.length == 2) {
                try {
                    m.put(f[0], Long.parseUnsignedLong(f[1]));
                } catch (NumberFormatException ignored) {
                    // not a counter
                }
            }
        }
        return m;
    }

    /** Space-separated numbers on one line, e.g. cpuacct.usage_percpu. */
    static List<Long> numbers(Path file) {
        List<String> l = lines(file);
        if (l.isEmpty() || l.get(0).isBlank()) {
            return List.of();
        }
        return java.util.Arrays.stream(l.get(0).trim().split("\\s+")).map(Long::parseUnsignedLong).toList();
    }
}
