package org.containerj.snapshots.mount;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The data string of an overlay mount, taken apart to name its directories relative to
 * the directory they have in common.
 */
record OverlayData(List<String> options) {
    private static final List<String> PATH_OPTIONS = List.of("lowerdir=", "upperdir=", "workdir=");

    OverlayData {
        options = List.copyOf(options);
    }

    static OverlayData parse(String data) {
        return new OverlayData(Arrays.asList(data.split(",")));
    }

    /** How many lower layers the mount has. */
    int layers() {
        for (String o : options) {
            if (o.startsWith("lowerdir=")) {
                return o.substring("lowerdir=".length()).split(":").length;
            }
        }
        return 0;
    }

    /** The deepest directory holding every lower layer; null when that is {@code /} or there are none. */
    Path commonDirectory() {
        Path common = null;
        for (String o : options) {
            if (!o.startsWith("lowerdir=")) {
                continue;
            }
            for (String dir : o.substring("lowerdir=".length()).split(":")) {
                Path p = Path.of(dir).normalize();
                if (!p.isAbsolute()) {
                    return null;
                }
                common = common == null ? p.getParent() : shared(common, p);
                if (common == null) {
                    return null;
                }
            }
        }
        return common == null || common.getParent() == null ? null : common;
    }

    /** The data string with every directory below {@code common} named as {@code prefix/relative}. */
    String relativeTo(Path common, String prefix) {
        List<String> out = new ArrayList<>(options.size());
        for (String o : options) {
            String name = PATH_OPTIONS.stream().filter(o::startsWith).findFirst().orElse(null);
            if (name == null) {
                out.add(o);
                continue;
            }
            List<String> dirs = new ArrayList<>();
            for (String dir : o.substring(name.length()).split(":")) {
                Path p = Path.of(dir).normalize();
                dirs.add(p.startsWith(common) && !p.equals(common) ? prefix + "/" + common.relativize(p) : dir);
            }
            out.add(name + String.join(":", dirs));
        }
        return String.join(",", out);
    }

    private static Path shared(Path a, Path b) {
        Path c = a;
        while (c != null && !(b.startsWith(c) && !b.equals(c))) {
            c = c.getParent();
        }
        return c;
    }
}
