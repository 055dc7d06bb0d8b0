package org.containerj.snapshotter.overlay.impl;

import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

import org.containerj.api.errdefs.ContainerjException;
import org.containerj.api.mount.Mount;
import org.containerj.api.snapshots.SnapshotInfo;
import org.containerj.api.snapshots.SnapshotKind;
import org.containerj.api.snapshots.SnapshotUsage;
import org.containerj.api.snapshots.Snapshotter;
import org.containerj.nativeio.LibC;
import org.containerj.snapshots.storage.DiskUsage;
import org.containerj.snapshots.storage.FileTrees;
import org.containerj.snapshots.storage.SnapshotEntry;
import org.containerj.snapshots.storage.SnapshotStore;
import org.containerj.snapshots.storage.StoredSnapshot;
import org.tinylog.Logger;

/**
 * containerd's overlayfs snapshotter on containerd's layout:
 *
 * <pre>
 * &lt;root&gt;/metadata.snapshots        the snapshots ({@link SnapshotStore})
 * &lt;root&gt;/metadata.journal          changes to them since that file was last written whole
 * &lt;root&gt;/snapshots/&lt;id&gt;/fs        the layer: an overlay upper directory, or the whole tree of a base
 * &lt;root&gt;/snapshots/&lt;id&gt;/work      overlay's work directory (active snapshots)
 * &lt;root&gt;/snapshots/removed-&lt;id&gt;   a removed snapshot, deleted by {@link #cleanup()}
 * </pre>
 *
 * Mounts are the ones containerd returns: a snapshot without parent is a bind mount of
 * its {@code fs} ({@code rw} or {@code ro}, {@code rbind}); a view of one committed layer
 * is a read-only bind mount of that layer; anything else an {@code overlay} mount with
 * {@code index=off} (when the kernel knows the option), the configured mount options,
 * {@code workdir=} and {@code upperdir=} for an active snapshot, and {@code lowerdir=}
 * listing the ancestors nearest first.
 *
 * <p>A snapshot's directory is made under a temporary name and renamed into place while
 * the store update that records it runs, so a crash leaves at most an orphan directory
 * (removed by cleanup), never a record without its directory.
 */
public final class OverlaySnapshotter implements Snapshotter, Closeable {
    /** The label holding a snapshot's upper directory, when {@link Options#upperdirLabel()}. */
    public static final String UPPERDIR_LABEL = "containerd.io/snapshot/overlay.upperdir";
    static final String REMOVED_PREFIX = "removed-";

    /**
     * How the snapshotter behaves: containerd's {@code upperdir_label}, {@code sync_remove}
     * and {@code mount_options}, and whether overlay mounts get {@code index=off}.
     */
    public record Options(boolean upperdirLabel, boolean syncRemove, List<String> mountOptions, boolean indexOff) {
        public Options {
            mountOptions = List.copyOf(mountOptions);
        }

        /** containerd's defaults on this kernel. */
        public static Options defaults() {
            return new Options(false, false, List.of(), supportsIndex());
        }
    }

    private final Path root;
    private final Path snapshots;
    private final SnapshotStore store;
    private final Options options;
    private final List<String> overlayOptions;

    private OverlaySnapshotter(Path root, SnapshotStore store, Options options) {
        this.root = root;
        this.snapshots = root.resolve("snapshots");
        this.store = store;
        this.options = options;
        List<String> base = new ArrayList<>();
        if (options.indexOff()) {
            base.add("index=off");
        }
        base.addAll(options.mountOptions());
        this.overlayOptions = List.copyOf(base);
    }

    /** Opens (creating when needed) the snapshotter in {@code root}, with what an earlier run left there. */
    public static OverlaySnapshotter open(Path root, Options options) {
        try {
            FileTrees.createPrivateDirectory(root);
            SnapshotStore store = SnapshotStore.open(root);
            try {
                Path snapshots = root.resolve("snapshots");
                FileTrees.createPrivateDirectory(snapshots);
                long highest = FileTrees.highestId(snapshots, REMOVED_PREFIX);
                store.update(tx -> {
                    tx.reserveIds(highest);
                    return null;
                });
                return new OverlaySnapshotter(root, store, options);
            } catch (RuntimeException | IOException e) {
                store.close();
                throw e;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the overlayfs snapshotter in " + root, e);
        }
    }

    /** True when the overlay module knows {@code index=off} (containerd's check). */
    public static boolean supportsIndex() {
        return Files.exists(Path.of("/sys/module/overlay/parameters/index"));
    }

    public Path root() {
        return root;
    }

    @Override
    public void close() {
        store.close();
    }

    Path upperPath(long id) {
        return snapshots.resolve(Long.toString(id)).resolve("fs");
    }

    Path workPath(long id) {
        return snapshots.resolve(Long.toString(id)).resolve("work");
    }

    // ---- reading

    @Override
    public SnapshotInfo stat(String key) {
        return store.view(tx -> withUpperdir(tx.entry(key)));
    }

    @Override
    public SnapshotUsage usage(String key) {
        SnapshotEntry e = store.view(tx -> tx.entry(key));
        if (e.kind() == SnapshotKind.ACTIVE) {
            return DiskUsage.of(upperPath(e.id()));
        }
        return e.usage();
    }

    @Override
    public List<Mount> mounts(String key) {
        return mountsOf(store.view(tx -> tx.snapshot(key)));
    }

    @Override
    public void walk(List<String> filters, Consumer<SnapshotInfo> visitor) {
        List<SnapshotInfo> infos = new ArrayList<>();
        store.view(tx -> {
            Map<String, SnapshotEntry> byKey = new HashMap<>();
            for (SnapshotEntry e : tx.all()) {
                byKey.put(e.key(), e);
            }
            tx.walk(filters, info -> infos.add(options.upperdirLabel() ? withUpperdir(byKey.get(info.name())) : info));
            return null;
        });
        infos.forEach(visitor);
    }

    // ---- writing

    @Override
    public SnapshotInfo update(SnapshotInfo info, Set<String> fieldPaths) {
        SnapshotInfo updated = store.update(tx -> tx.update(info, fieldPaths));
        return options.upperdirLabel() ? stat(updated.name()) : updated;
    }

    @Override
    public List<Mount> prepare(String key, String parent, Map<String, String> labels) {
        return create(SnapshotKind.ACTIVE, key, parent, labels);
    }

    @Override
    public List<Mount> view(String key, String parent, Map<String, String> labels) {
        return create(SnapshotKind.VIEW, key, parent, labels);
    }

    private List<Mount> create(SnapshotKind kind, String key, String parent, Map<String, String> labels) {
        Path[] leftover = new Path[1];
        try {
            StoredSnapshot s = store.update(tx -> {
                Path temp = io(() -> Files.createTempDirectory(snapshots, "new-"));
                leftover[0] = temp;
                Path fs = io(() -> Files.createDirectory(temp.resolve("fs")));
                io(() -> Files.setPosixFilePermissions(fs, PosixFilePermissions.fromString("rwxr-xr-x")));
                if (kind == SnapshotKind.ACTIVE) {
                    Path work = io(() -> Files.createDirectory(temp.resolve("work")));
                    io(() -> Files.setPosixFilePermissions(work, PosixFilePermissions.fromString("rwx--x--x")));
                }
                StoredSnapshot created = tx.create(kind, key, parent, labels == null ? Map.of() : labels);
                if (!created.parentIds().isEmpty()) {
                    Path parentFs = upperPath(created.parentIds().get(0));
                    io(() -> {
                        int uid = (int) Files.getAttribute(parentFs, "unix:uid");
                        int gid = (int) Files.getAttribute(parentFs, "unix:gid");
                        LibC.lchown(fs, uid, gid);
                        return null;
                    });
                }
                Path path = snapshots.resolve(created.idString());
                io(() -> Files.move(temp, path, StandardCopyOption.ATOMIC_MOVE));
                leftover[0] = path;
                return created;
            });
            leftover[0] = null;
            if (kind == SnapshotKind.ACTIVE && s.parentIds().isEmpty() && labels != null
                    && "true".equals(labels.get(REBASE_LABEL))) {
                return rebaseMounts(s);
            }
            return mountsOf(s);
        } catch (UncheckedIOException e) {
            throw failure(e);
        } finally {
            if (leftover[0] != null) {
                FileTrees.deleteQuietly(leftover[0], "overlayfs");
            }
        }
    }

    @Override
    public void commit(String name, String key, Map<String, String> labels) {
        commit(name, key, labels, "");
    }

    /** A layer applied into an empty upper directory (whiteouts 0/0, opaque xattrs) stacks on any lowers. */
    @Override
    public boolean canRebase() {
        return true;
    }

    @Override
    public void commit(String name, String key, Map<String, String> labels, String parent) {
        store.update(tx -> {
            SnapshotEntry active = tx.find(key).orElseThrow(
                    () -> ContainerjException.notFound("failed to get active snapshot \"%s\": not found", key));
            SnapshotUsage usage = active.kind() == SnapshotKind.ACTIVE ? DiskUsage.of(upperPath(active.id()))
                    : new SnapshotUsage(0, 0);
            return tx.commit(key, name, usage, labels == null ? Map.of() : labels, parent);
        });
    }

    /**
     * Forgets {@code key} and renames its directory to {@code removed-<id>}; the space is
     * reclaimed by {@link #cleanup()} (at once with {@code sync_remove}).
     */
    @Override
    public void remove(String key) {
        Path[] moved = new Path[2];
        try {
            store.update(tx -> {
                SnapshotEntry e = tx.remove(key);
                Path dir = snapshots.resolve(e.idString());
                Path removed = snapshots.resolve(REMOVED_PREFIX + e.idString());
                try {
                    Files.move(dir, removed, StandardCopyOption.ATOMIC_MOVE);
                    moved[0] = dir;
                    moved[1] = removed;
                } catch (NoSuchFileException gone) {
                    Logger.tag("snapshots").warn("overlayfs: snapshot {} had no directory {}", key, dir);
                } catch (IOException ex) {
                    throw new UncheckedIOException(ex);
                }
                return e;
            });
        } catch (RuntimeException e) {
            if (moved[1] != null) {
                try {
                    Files.move(moved[1], moved[0], StandardCopyOption.ATOMIC_MOVE);
                } catch (IOException undo) {
                    e.addSuppressed(undo);
                }
            }
            throw failure(e);
        }
        if (options.syncRemove() && moved[1] != null) {
            FileTrees.deleteQuietly(moved[1], "overlayfs");
        }
    }

    /** Deletes every directory under {@code snapshots/} that belongs to no snapshot. */
    @Override
    public void cleanup() {
        List<Path> doomed;
        try {
            doomed = listUnused();
        } catch (UncheckedIOException e) {
            throw failure(e);
        }
        for (Path p : doomed) {
            FileTrees.deleteQuietly(p, "overlayfs");
        }
    }

    private List<Path> listUnused() {
        return store.update(tx -> {
            Set<String> ids = tx.ids();
            List<Path> found = new ArrayList<>();
            try (DirectoryStream<Path> dirs = Files.newDirectoryStream(snapshots)) {
                for (Path p : dirs) {
                    if (!ids.contains(p.getFileName().toString())) {
                        found.add(p);
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return found;
        });
    }

    // ---- mounts

    List<Mount> mountsOf(StoredSnapshot s) {
        if (s.parentIds().isEmpty()) {
            String ro = s.kind() == SnapshotKind.VIEW ? "ro" : "rw";
            return List.of(new Mount("bind", upperPath(s.id()).toString(), List.of(ro, "rbind")));
        }
        if (s.kind() != SnapshotKind.ACTIVE && s.parentIds().size() == 1) {
            return List.of(new Mount("bind", upperPath(s.parentIds().get(0)).toString(), List.of("ro", "rbind")));
        }
        List<String> mountOptions = new ArrayList<>(overlayOptions);
        if (s.kind() == SnapshotKind.ACTIVE) {
            mountOptions.add("workdir=" + workPath(s.id()));
            mountOptions.add("upperdir=" + upperPath(s.id()));
        }
        List<String> lower = new ArrayList<>(s.parentIds().size());
        for (long id : s.parentIds()) {
            lower.add(upperPath(id).toString());
        }
        mountOptions.add("lowerdir=" + String.join(":", lower));
        return List.of(new Mount("overlay", "overlay", mountOptions));
    }

    /**
     * An overlay on an empty lower for a snapshot to be rebased, so that its layer is
     * applied to the upper directory with overlayfs whiteouts rather than deletions.
     */
    private List<Mount> rebaseMounts(StoredSnapshot s) {
        Path empty = root.resolve("empty");
        try {
            Files.createDirectories(empty);
        } catch (IOException e) {
            throw failure(new UncheckedIOException(e));
        }
        List<String> mountOptions = new ArrayList<>(overlayOptions);
        mountOptions.add("workdir=" + workPath(s.id()));
        mountOptions.add("upperdir=" + upperPath(s.id()));
        mountOptions.add("lowerdir=" + empty);
        return List.of(new Mount("overlay", "overlay", mountOptions));
    }

    private SnapshotInfo withUpperdir(SnapshotEntry e) {
        SnapshotInfo info = e.info();
        if (!options.upperdirLabel()) {
            return info;
        }
        Map<String, String> labels = new HashMap<>(info.labels());
        labels.put(UPPERDIR_LABEL, upperPath(e.id()).toString());
        return new SnapshotInfo(info.name(), info.parent(), info.kind(), labels, info.createdAt(), info.updatedAt());
    }

    // ---- helpers

    @FunctionalInterface
    private interface IoWork<T> {
        T run() throws IOException;
    }

    private static <T> T io(IoWork<T> work) {
        try {
            return work.run();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static RuntimeException failure(RuntimeException e) {
        if (e instanceof UncheckedIOException io) {
            return ContainerjException.internal("overlayfs: " + io.getCause().getMessage(), io.getCause());
        }
        return e;
    }
}
