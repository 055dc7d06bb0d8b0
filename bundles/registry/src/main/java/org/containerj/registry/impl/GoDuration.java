package org.containerj.registry.impl;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Durations as containerd's config.toml writes them (Go's {@code time.ParseDuration}): {@code 1m30s}, {@code 500ms}. */
final class GoDuration {
    private static final Pattern PART = Pattern.compile("([0-9]*\\.?[0-9]+)(ns|us|µs|ms|s|m|h)");

    private GoDuration() {
    }

    /** The duration; IllegalArgumentException naming the text when it is not one. */
    static Duration parse(String text) {
        String s = text == null ? "" : text.trim();
        if (s.equals("0")) {
            return Duration.ZERO;
        }
        if (s.isEmpty()) {
            throw new IllegalArgumentException("invalid duration \"" + text + "\"");
        }
        Matcher m = PART.matcher(s);
        int pos = 0;
        BigDecimal nanos = BigDecimal.ZERO;
        while (pos < s.length()) {
            if (!m.find(pos) || m.start() != pos) {
                throw new IllegalArgumentException("invalid duration \"" + text + "\"");
            }
            BigDecimal unit = switch (m.group(2)) {
                case "ns" -> BigDecimal.ONE;
                case "us", "µs" -> BigDecimal.valueOf(1_000L);
                case "ms" -> BigDecimal.valueOf(1_000_000L);
                case "s" -> BigDecimal.valueOf(1_000_000_000L);
                case "m" -> BigDecimal.valueOf(60_000_000_000L);
                default -> BigDecimal.valueOf(3_600_000_000_000L);
            };
            nanos = nanos.add(new BigDecimal(m.group(1)).multiply(unit));
            pos = m.end();
        }
        return Duration.ofNanos(nanos.longValueExact());
    }

    /** Go's way of printing a duration, for messages: {@code 1m0s}, {@code 250ms}. */
    static String format(Duration d) {
        long ms = d.toMillis();
        if (ms < 1000) {
            return ms + "ms";
        }
        long seconds = d.getSeconds();
        long h = seconds / 3600;
        long m = (seconds % 3600) / 60;
        long s = seconds % 60;
        int fraction = d.getNano() / 1_000_000;
        String sec = fraction == 0 ? s + "s" : String.format("%d.%03ds", s, fraction).replaceAll("0+s$", "s");
        if (h > 0) {
            return h + "h" + m + "m" + sec;
        }
        if (m > 0) {
            return m + "m" + sec;
        }
        return sec;
    }
}
