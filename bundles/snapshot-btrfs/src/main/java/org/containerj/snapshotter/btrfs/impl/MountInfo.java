package org.containerj.snapshotter.btrfs.impl;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** The mount a path is on, read from {@code /proc/self/mountinfo} (containerd's mount.Lookup). */
record MountInfo(Path mountPoint, String fsType, String source) {

    /** The mount holding {@code path}: the deepest mount point above it, the last one mounted there. */
    static MountInfo lookup(Path path) throws IOException {
        return lookup(path.toRealPath(), Files.readAllLines(Path.of("/proc/self/mountinfo")));
    }

    static MountInfo lookup(Path real, List<String> mountinfo) {
        MountInfo best = null;
        for (String line : mountinfo) {
            MountInfo m = parse(line);
            if (m == null || !real.startsWith(m.mountPoint())) {
                continue;
            }
            if (best == null || m.mountPoint().getNameCount() >= best.mountPoint().getNameCount()) {
                best = m;
            }
        }
        if (best == null) {
            throw new IllegalStateException("no mount holds " + real);
        }
        return best;
    }

    /** One line: {@code id parent major:minor root mountpoint options [optional...] - fstype source superoptions}. */
    static MountInfo parse(String line) {
        String[] f = line.split(" ");
        int dash = -1;
        for (int i = 6; i < f.length; i++) {
            if (f[i].equals("-")) {
                dash = i;
                break;
            }
        }
        if (f.length < 7 || dash < 0 || dash + 2 >= f.length) {
            return null;
        }
        return new MountInfo(Path.of(unescape(f[4])), unescape(f[dash + 1]), unescape(f[dash + 2]));
    }

    /** The kernel writes space, tab, newline and backslash as octal escapes ({@code \040}). */
    static String unescape(String s) {
        if (s.indexOf('\\') < 0) {
            return s;
        }
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 3 < s.length() && s.substring(i + 1, i + 4).matches("[0-7]{3}")) {
                b.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }
}
