package org.containerj.transfer.impl;

import java.util.ArrayList;
import java.util.List;

import org.containerj.api.transfer.Platform;

/**
 * Which manifests of an index a transfer keeps, and in which order of preference, as
 * containerd's platform matchers: {@link #only} accepts a platform and the older variants
 * its hardware runs ({@code arm64} also runs {@code arm/v8} down to {@code arm/v5},
 * {@code amd64/v3} runs {@code amd64/v2}); {@link #ordered} accepts any of a list, earlier
 * first; {@link #all} accepts everything.
 */
public final class PlatformMatcher {
    private final List<Platform> accepted;
    private final boolean all;

    private PlatformMatcher(List<Platform> accepted, boolean all) {
        this.accepted = accepted;
        this.all = all;
    }

    public static PlatformMatcher all() {
        return new PlatformMatcher(List.of(), true);
    }

    /** {@code platform} and what it runs besides, best first. */
    public static PlatformMatcher only(Platform platform) {
        return new PlatformMatcher(compatible(Platforms.normalize(platform)), false);
    }

    /** Any of {@code platforms} (each with what it runs), in the order given. */
    public static PlatformMatcher ordered(List<Platform> platforms) {
        List<Platform> out = new ArrayList<>();
        for (Platform p : platforms) {
            for (Platform c : compatible(Platforms.normalize(p))) {
                if (!out.contains(c)) {
                    out.add(c);
                }
            }
        }
        return new PlatformMatcher(List.copyOf(out), false);
    }

    /** For a transfer's options: all, the given platforms, or the daemon's own. */
    public static PlatformMatcher of(List<Platform> platforms, boolean allPlatforms) {
        if (allPlatforms) {
            return all();
        }
        return platforms.isEmpty() ? only(Platforms.host()) : ordered(platforms);
    }

    public boolean matchesAll() {
        return all;
    }

    public boolean matches(Platform platform) {
        return all || rank(platform) >= 0;
    }

    /** The preference of {@code platform}: 0 is best; -1 when it does not match (always 0 for {@link #all}). */
    public int rank(Platform platform) {
        if (all) {
            return 0;
        }
        return accepted.indexOf(Platforms.normalize(platform));
    }

    /** The platforms a machine of {@code p} runs, {@code p} first. */
    static List<Platform> compatible(Platform p) {
        List<Platform> out = new ArrayList<>();
        out.add(p);
        if (p.architecture().equals("arm64") && p.os().equals("linux") || p.architecture().equals("arm")) {
            int top = 0;
            if (p.architecture().equals("arm64")) {
                top = 8;
            } else if (p.variant().matches("v[5-8]")) {
                top = p.variant().charAt(1) - '0';
            }
            for (int v = top; v >= 5; v--) {
                Platform older = new Platform(p.os(), "arm", "v" + v);
                if (!out.contains(older)) {
                    out.add(older);
                }
            }
        } else if (p.architecture().equals("amd64") && p.variant().matches("v[2-4]")) {
            for (int v = p.variant().charAt(1) - '0' - 1; v >= 1; v--) {
                out.add(new Platform(p.os(), "amd64", v == 1 ? "" : "v" + v));
            }
        }
        return List.copyOf(out);
    }

    @Override
    public String toString() {
        return all ? "all platforms" : accepted.toString();
    }
}
