package org.containerj.transfer.impl;

import java.util.Locale;

import org.containerj.api.errdefs.ContainerjException;
import org.containerj.api.transfer.Platform;

/** containerd's platform strings: parsing, normalizing aliases, and the daemon's own platform. */
public final class Platforms {
    private Platforms() {
    }

    /** The platform this JVM runs on, as Go names it ({@code linux/amd64}, {@code linux/arm64}). */
    public static Platform host() {
        String os = System.getProperty("os.name", "linux").toLowerCase(Locale.ROOT);
        return normalize(new Platform(os.startsWith("linux") ? "linux" : os, System.getProperty("os.arch", "")));
    }

    /**
     * Parses {@code os[/arch[/variant]]} or a bare architecture (the host's os is assumed),
     * normalized. INVALID_ARGUMENT for an empty or malformed specifier.
     */
    public static Platform parse(String spec) {
        if (spec == null || spec.isBlank()) {
            throw ContainerjException.invalidArgument("invalid platform %s: empty", spec == null ? "" : spec);
        }
        String[] parts = spec.trim().split("/", -1);
        for (String p : parts) {
            if (p.isEmpty() || !p.matches("[A-Za-z0-9_.-]+")) {
                throw ContainerjException.invalidArgument("%s: invalid platform specifier", spec);
            }
        }
        Platform p = switch (parts.length) {
            case 1 -> isKnownOs(parts[0]) ? new Platform(parts[0], host().architecture())
                    : new Platform(host().os(), parts[0]);
            case 2 -> new Platform(parts[0], parts[1]);
            case 3 -> new Platform(parts[0], parts[1], parts[2]);
            default -> throw ContainerjException.invalidArgument("%s: invalid platform specifier", spec);
        };
        return normalize(p);
    }

    private static boolean isKnownOs(String s) {
        return switch (s.toLowerCase(Locale.ROOT)) {
            case "linux", "windows", "darwin", "freebsd", "netbsd", "openbsd", "solaris", "illumos", "android",
                    "ios", "plan9", "aix", "js", "dragonfly" -> true;
            default -> false;
        };
    }

    /** containerd's Normalize: lower-case, architecture aliases, default and redundant variants. */
    public static Platform normalize(Platform p) {
        String os = p.os().toLowerCase(Locale.ROOT);
        if (os.equals("macos")) {
            os = "darwin";
        }
        String arch = p.architecture().toLowerCase(Locale.ROOT);
        String variant = p.variant().toLowerCase(Locale.ROOT);
        switch (arch) {
            case "i386" -> {
                arch = "386";
                variant = "";
            }
            case "x86_64", "x86-64", "amd64" -> {
                arch = "amd64";
                if (variant.equals("v1")) {
                    variant = "";
                }
            }
            case "aarch64", "arm64" -> {
                arch = "arm64";
                if (variant.equals("8") || variant.equals("v8")) {
                    variant = "";
                }
            }
            case "armhf" -> {
                arch = "arm";
                variant = "v7";
            }
            case "armel" -> {
                arch = "arm";
                variant = "v6";
            }
            case "arm" -> {
                variant = switch (variant) {
                    case "", "7" -> "v7";
                    case "5", "6", "8" -> "v" + variant;
                    default -> variant;
                };
            }
            default -> {
            }
        }
        return new Platform(os, arch, variant);
    }
}
