package org.containerj.snapshots.mount;

import static org.containerj.nativeio.MountFlags.MS_BIND;
import static org.containerj.nativeio.MountFlags.MS_DIRSYNC;
import static org.containerj.nativeio.MountFlags.MS_LAZYTIME;
import static org.containerj.nativeio.MountFlags.MS_MANDLOCK;
import static org.containerj.nativeio.MountFlags.MS_NOATIME;
import static org.containerj.nativeio.MountFlags.MS_NODEV;
import static org.containerj.nativeio.MountFlags.MS_NODIRATIME;
import static org.containerj.nativeio.MountFlags.MS_NOEXEC;
import static org.containerj.nativeio.MountFlags.MS_NOSUID;
import static org.containerj.nativeio.MountFlags.MS_NOSYMFOLLOW;
import static org.containerj.nativeio.MountFlags.MS_PRIVATE;
import static org.containerj.nativeio.MountFlags.MS_RDONLY;
import static org.containerj.nativeio.MountFlags.MS_REC;
import static org.containerj.nativeio.MountFlags.MS_RELATIME;
import static org.containerj.nativeio.MountFlags.MS_REMOUNT;
import static org.containerj.nativeio.MountFlags.MS_SHARED;
import static org.containerj.nativeio.MountFlags.MS_SLAVE;
import static org.containerj.nativeio.MountFlags.MS_STRICTATIME;
import static org.containerj.nativeio.MountFlags.MS_SYNCHRONOUS;
import static org.containerj.nativeio.MountFlags.MS_UNBINDABLE;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The fstab-style options of a containerd mount split the way mount(8) splits them:
 * options that are mount(2) flags ({@code ro}, {@code nosuid}, {@code rbind}, ...),
 * propagation changes ({@code rprivate}, {@code shared}, ...), and everything else,
 * which is passed to the file system as its data string ({@code lowerdir=...},
 * {@code subvolid=...}, {@code size=...}). Later options win over earlier ones
 * ({@code ro,rw} is read-write).
 */
record MountOptions(long flags, long propagation, List<String> data) {

    /** An option that sets {@code flag}, or clears it when {@code clear}. */
    private record Flag(boolean clear, long flag) {
    }

    private static final Map<String, Flag> FLAGS = Map.ofEntries(
            Map.entry("defaults", new Flag(false, 0)),
            Map.entry("ro", new Flag(false, MS_RDONLY)),
            Map.entry("rw", new Flag(true, MS_RDONLY)),
            Map.entry("nosuid", new Flag(false, MS_NOSUID)),
            Map.entry("suid", new Flag(true, MS_NOSUID)),
            Map.entry("nodev", new Flag(false, MS_NODEV)),
            Map.entry("dev", new Flag(true, MS_NODEV)),
            Map.entry("noexec", new Flag(false, MS_NOEXEC)),
            Map.entry("exec", new Flag(true, MS_NOEXEC)),
            Map.entry("sync", new Flag(false, MS_SYNCHRONOUS)),
            Map.entry("async", new Flag(true, MS_SYNCHRONOUS)),
            Map.entry("dirsync", new Flag(false, MS_DIRSYNC)),
            Map.entry("remount", new Flag(false, MS_REMOUNT)),
            Map.entry("mand", new Flag(false, MS_MANDLOCK)),
            Map.entry("nomand", new Flag(true, MS_MANDLOCK)),
            Map.entry("noatime", new Flag(false, MS_NOATIME)),
            Map.entry("atime", new Flag(true, MS_NOATIME)),
            Map.entry("nodiratime", new Flag(false, MS_NODIRATIME)),
            Map.entry("diratime", new Flag(true, MS_NODIRATIME)),
            Map.entry("relatime", new Flag(false, MS_RELATIME)),
            Map.entry("norelatime", new Flag(true, MS_RELATIME)),
            Map.entry("strictatime", new Flag(false, MS_STRICTATIME)),
            Map.entry("nostrictatime", new Flag(true, MS_STRICTATIME)),
            Map.entry("lazytime", new Flag(false, MS_LAZYTIME)),
            Map.entry("nolazytime", new Flag(true, MS_LAZYTIME)),
            Map.entry("nosymfollow", new Flag(false, MS_NOSYMFOLLOW)),
            Map.entry("symfollow", new Flag(true, MS_NOSYMFOLLOW)),
            Map.entry("bind", new Flag(false, MS_BIND)),
            Map.entry("rbind", new Flag(false, MS_BIND | MS_REC)));

    private static final Map<String, Long> PROPAGATION = Map.of(
            "private", MS_PRIVATE,
            "rprivate", MS_PRIVATE | MS_REC,
            "shared", MS_SHARED,
            "rshared", MS_SHARED | MS_REC,
            "slave", MS_SLAVE,
            "rslave", MS_SLAVE | MS_REC,
            "unbindable", MS_UNBINDABLE,
            "runbindable", MS_UNBINDABLE | MS_REC);

    /** Flags a bind mount only takes on a second, remounting call. */
    static final long REMOUNTED_ON_BIND = MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NOATIME | MS_NODIRATIME
            | MS_RELATIME | MS_STRICTATIME | MS_NOSYMFOLLOW;

    MountOptions {
        data = List.copyOf(data);
    }

    static MountOptions parse(List<String> options) {
        long flags = 0;
        long propagation = 0;
        List<String> data = new ArrayList<>();
        for (String option : options) {
            if (option == null || option.isEmpty()) {
                continue;
            }
            Flag f = FLAGS.get(option);
            if (f != null) {
                flags = f.clear() ? flags & ~f.flag() : flags | f.flag();
                continue;
            }
            Long p = PROPAGATION.get(option);
            if (p != null) {
                propagation |= p;
                continue;
            }
            data.add(option);
        }
        return new MountOptions(flags, propagation, data);
    }

    boolean isBind() {
        return (flags & MS_BIND) != 0;
    }

    String dataString() {
        return String.join(",", data);
    }
}
