package org.containerj.snapshots.mount;

import static org.containerj.nativeio.MountFlags.MNT_DETACH;
import static org.containerj.nativeio.MountFlags.MS_BIND;
import static org.containerj.nativeio.MountFlags.MS_REC;
import static org.containerj.nativeio.MountFlags.MS_REMOUNT;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.containerj.api.errdefs.ContainerjException;
import org.containerj.api.errdefs.ErrorKind;
import org.containerj.api.mount.Mount;
import org.containerj.api.mount.Mounter;
import org.containerj.nativeio.ErrnoException;
import org.containerj.nativeio.LibC;
import org.osgi.service.component.annotations.Component;
import org.tinylog.Logger;

/**
 * Performs containerd mounts on the host with mount(2): {@code bind} (and any mount with
 * the {@code bind}/{@code rbind} option) as a bind mount that is then remounted to take
 * {@code ro}, {@code nosuid} and the like; {@code overlay}, {@code btrfs}, {@code tmpfs}
 * and any other type with the options that are not flags as the file system's data.
 * Propagation options ({@code rprivate}, ...) are applied by a call of their own.
 *
 * <p>The kernel takes at most one page (4096 bytes) of data. An overlay mount over many
 * layers ({@code lowerdir=/var/lib/.../snapshots/1/fs:...}) exceeds that from about 50
 * layers on; containerd then mounts from inside the common directory with relative
 * paths. A JVM cannot change the directory of one thread, so here the common directory
 * is opened ({@code O_PATH}) and the layers are named through the descriptor,
 * {@code /proc/self/fd/N/123/fs}: about 25 bytes a layer, so with the overlay
 * snapshotter's layout some 150 layers fit. More than that is INVALID_ARGUMENT naming
 * the sizes.
 */
@Component(service = Mounter.class)
public class LinuxMounter implements Mounter {
    /** The most data mount(2) copies from user space, with its terminating NUL. */
    static final int MAX_DATA = 4096;

    @Override
    public void mountAll(List<Mount> mounts, Path target) {
        List<Path> done = new ArrayList<>();
        try {
            for (Mount m : mounts) {
                Path where = where(m, target);
                mount(m, where);
                done.add(where);
            }
        } catch (RuntimeException e) {
            for (int i = done.size() - 1; i >= 0; i--) {
                try {
                    LibC.unmount(done.get(i), MNT_DETACH);
                } catch (ErrnoException undo) {
                    e.addSuppressed(undo);
                }
            }
            throw e;
        }
    }

    @Override
    public void unmountAll(Path target) {
        // Several mounts may be stacked on the target: unmount until nothing is left.
        for (int i = 0; i < 64; i++) {
            try {
                LibC.unmount(target, 0);
            } catch (ErrnoException e) {
                switch (e.errnoName()) {
                    case "EINVAL", "ENOENT" -> {
                        return; // not (or no longer) a mount point
                    }
                    case "EBUSY" -> {
                        try {
                            LibC.unmount(target, MNT_DETACH);
                        } catch (ErrnoException detach) {
                            throw failure("unmount " + target, detach);
                        }
                    }
                    default -> throw failure("unmount " + target, e);
                }
            }
        }
        throw new ContainerjException(ErrorKind.UNKNOWN, "unmount " + target + ": still mounted after 64 unmounts");
    }

    /** Performs one mount at {@code where}. */
    void mount(Mount m, Path where) {
        MountOptions options = MountOptions.parse(m.options());
        long flags = options.flags();
        String type = m.type() == null ? "" : m.type();
        if (type.equals("bind")) {
            flags |= MS_BIND;
        } else if (type.equals("rbind")) {
            flags |= MS_BIND | MS_REC;
        }
        try {
            if ((flags & MS_BIND) != 0) {
                bind(m.source(), where, flags);
            } else {
                other(m.source(), where, type, flags, options.dataString());
            }
            if (options.propagation() != 0) {
                LibC.mount(null, where, null, options.propagation(), null);
            }
        } catch (ErrnoException e) {
            throw failure("mount " + type + " " + m.source() + " on " + where, e);
        }
    }

    private static void bind(String source, Path where, long flags) throws ErrnoException {
        boolean remountOnly = (flags & MS_REMOUNT) != 0;
        if (!remountOnly) {
            LibC.mount(source, where, null, flags & (MS_BIND | MS_REC), null);
        }
        long rest = flags & MountOptions.REMOUNTED_ON_BIND;
        if (rest != 0 || remountOnly) {
            try {
                LibC.mount(null, where, null, MS_REMOUNT | MS_BIND | rest, null);
            } catch (ErrnoException e) {
                if (!remountOnly) {
                    try {
                        LibC.unmount(where, MNT_DETACH);
                    } catch (ErrnoException undo) {
                        e.addSuppressed(undo);
                    }
                }
                throw e;
            }
        }
    }

    private static void other(String source, Path where, String type, long flags, String data) throws ErrnoException {
        if (!type.equals("overlay") || fits(data)) {
            LibC.mount(source, where, type, flags, data.isEmpty() ? null : data);
            return;
        }
        OverlayData compact = OverlayData.parse(data);
        Path common = compact.commonDirectory();
        if (common == null) {
            throw tooLong(data, compact.layers());
        }
        int fd = LibC.openPath(common);
        try {
            String shortened = compact.relativeTo(common, "/proc/self/fd/" + fd);
            if (!fits(shortened)) {
                throw tooLong(shortened, compact.layers());
            }
            LibC.mount(source, where, type, flags, shortened);
        } finally {
            try {
                LibC.close(fd);
            } catch (ErrnoException e) {
                Logger.tag("mount").warn("close of {} failed: {}", common, e.getMessage());
            }
        }
    }

    static boolean fits(String data) {
        return data.getBytes(StandardCharsets.UTF_8).length + 1 <= MAX_DATA;
    }

    private static ContainerjException tooLong(String data, int layers) {
        return ContainerjException.invalidArgument(
                "overlay mount of %d layers needs %d bytes of options, more than the %d the kernel takes", layers,
                data.getBytes(StandardCharsets.UTF_8).length + 1, MAX_DATA);
    }

    private static Path where(Mount m, Path target) {
        String sub = m.target();
        if (sub == null || sub.isEmpty() || sub.equals("/")) {
            return target;
        }
        Path resolved = target.resolve(sub.replaceFirst("^/+", "")).normalize();
        if (!resolved.startsWith(target)) {
            throw ContainerjException.invalidArgument("mount target %s is outside %s", sub, target);
        }
        return resolved;
    }

    private static ContainerjException failure(String what, ErrnoException e) {
        ErrorKind kind = switch (e.errnoName()) {
            case "ENOENT", "ENOTDIR" -> ErrorKind.NOT_FOUND;
            case "EPERM", "EACCES" -> ErrorKind.PERMISSION_DENIED;
            case "EINVAL" -> ErrorKind.INVALID_ARGUMENT;
            case "EBUSY" -> ErrorKind.FAILED_PRECONDITION;
            default -> ErrorKind.UNKNOWN;
        };
        return new ContainerjException(kind, what + ": " + e.getMessage(), e);
    }
}
