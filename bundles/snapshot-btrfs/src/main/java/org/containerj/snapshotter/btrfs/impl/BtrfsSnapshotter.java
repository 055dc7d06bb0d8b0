package org.containerj.snapshotter.btrfs.impl;

import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

import org.containerj.api.errdefs.ContainerjException;
import org.containerj.api.mount.Mount;
import org.containerj.api.plugin.PluginSkippedException;
import org.containerj.api.snapshots.SnapshotInfo;
import org.containerj.api.snapshots.SnapshotKind;
import org.containerj.api.snapshots.SnapshotUsage;
import org.containerj.api.snapshots.Snapshotter;
import org.containerj.snapshots.storage.DiskUsage;
import org.containerj.snapshots.storage.FileTrees;
import org.containerj.snapshots.storage.SnapshotEntry;
import org.containerj.snapshots.storage.SnapshotStore;
import org.containerj.snapshots.storage.StoredSnapshot;
import org.tinylog.Logger;

/**
 * containerd's btrfs snapshotter: every snapshot a btrfs subvolume, on containerd's layout
 *
 * <pre>
 * &lt;root&gt;/metadata.snapshots      the snapshots ({@link SnapshotStore})
 * &lt;root&gt;/active/&lt;id&gt;            writable subvolume of an active snapshot (a snapshot of its parent)
 * &lt;root&gt;/view/&lt;id&gt;              read-only snapshot of a view's parent
 * &lt;root&gt;/snapshots/&lt;id&gt;         read-only snapshot of a committed one
 * </pre>
 *
 * The root must be on a btrfs file system; elsewhere opening throws
 * {@link PluginSkippedException} with containerd's reason. Mounts are
 * {@code btrfs} mounts of the file system's device with {@code subvolid=<id>} (and
 * {@code ro} for all but active snapshots). Commit snapshots the active subvolume
 * read-only under {@code snapshots/} and deletes the active one; remove renames the
 * subvolume to {@code rm-<id>} while the removal is recorded, then deletes it.
 */
public final class BtrfsSnapshotter implements Snapshotter, Closeable {
    static final String REMOVED_PREFIX = "rm-";

    private final Path root;
    private final String device;
    private final SnapshotStore store;
    private final Btrfs btrfs;

    private BtrfsSnapshotter(Path root, String device, SnapshotStore store, Btrfs btrfs) {
        this.root = root;
        this.device = device;
        this.store = store;
        this.btrfs = btrfs;
    }

    /**
     * Opens (creating when needed) the snapshotter in {@code root}. PluginSkippedException
     * when {@code root} is not on btrfs.
     */
    public static BtrfsSnapshotter open(Path root, Btrfs btrfs) {
        try {
            Files.createDirectories(root);
            Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwx------"));
            MountInfo mount = MountInfo.lookup(root);
            if (!mount.fsType().equals("btrfs")) {
                throw new PluginSkippedException("path " + root + " (" + mount.fsType()
                        + ") must be a btrfs filesystem to be used with the btrfs snapshotter");
            }
            for (String d : List.of("active", "view", "snapshots")) {
                Path p = root.resolve(d);
                if (!Files.isDirectory(p)) {
                    Files.createDirectory(p);
                    Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
                }
            }
            SnapshotStore store = SnapshotStore.open(root);
            try {
                long highest = 0;
                for (String d : List.of("active", "view", "snapshots")) {
                    highest = Math.max(highest, FileTrees.highestId(root.resolve(d), REMOVED_PREFIX));
                }
                long reserved = highest;
                store.update(tx -> {
                    tx.reserveIds(reserved);
                    return null;
                });
                return new BtrfsSnapshotter(root, mount.source(), store, btrfs);
            } catch (RuntimeException | IOException e) {
                store.close();
                throw e;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the btrfs snapshotter in " + root, e);
        }
    }

    public Path root() {
        return root;
    }

    /** The block device holding the file system, the source of every mount. */
    public String device() {
        return device;
    }

    @Override
    public void close() {
        store.close();
    }

    static String kindDirectory(SnapshotKind kind) {
        return switch (kind) {
            case ACTIVE -> "active";
            case VIEW -> "view";
            case COMMITTED -> "snapshots";
            case UNKNOWN -> throw new IllegalArgumentException("no directory for " + kind);
        };
    }

    Path path(SnapshotKind kind, long id) {
        return root.resolve(kindDirectory(kind)).resolve(Long.toString(id));
    }

    @Override
    public SnapshotInfo stat(String key) {
        return store.view(tx -> tx.entry(key).info());
    }

    @Override
    public SnapshotInfo update(SnapshotInfo info, Set<String> fieldPaths) {
        return store.update(tx -> tx.update(info, fieldPaths));
    }

    private record UsageOf(SnapshotEntry entry, long parentId) {
    }

    @Override
    public SnapshotUsage usage(String key) {
        UsageOf u = store.view(tx -> {
            SnapshotEntry e = tx.entry(key);
            long parent = e.kind() == SnapshotKind.ACTIVE && !e.parent().isEmpty() ? tx.entry(e.parent()).id() : -1;
            return new UsageOf(e, parent);
        });
        if (u.entry().kind() != SnapshotKind.ACTIVE) {
            return u.entry().usage();
        }
        Path active = path(SnapshotKind.ACTIVE, u.entry().id());
        return u.parentId() < 0 ? DiskUsage.of(active) : DiffUsage.between(path(SnapshotKind.COMMITTED, u.parentId()), active);
    }

    @Override
    public List<Mount> mounts(String key) {
        StoredSnapshot s = store.view(tx -> tx.snapshot(key));
        return mountsOf(s);
    }

    @Override
    public void walk(List<String> filters, Consumer<SnapshotInfo> visitor) {
        store.walk(filters, visitor);
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
        Path[] made = new Path[1];
        try {
            StoredSnapshot s = store.update(tx -> {
                StoredSnapshot created = tx.create(kind, key, parent, labels == null ? Map.of() : labels);
                Path target = path(kind, created.id());
                if (created.parentIds().isEmpty()) {
                    btrfs.createSubvolume(target);
                } else {
                    btrfs.snapshot(path(SnapshotKind.COMMITTED, created.parentIds().get(0)), target,
                            kind == SnapshotKind.VIEW);
                }
                made[0] = target;
                return created;
            });
            made[0] = null;
            return mountsOf(s);
        } finally {
            if (made[0] != null) {
                deleteQuietly(made[0]);
            }
        }
    }

    List<Mount> mountsOf(StoredSnapshot s) {
        List<String> options = new ArrayList<>();
        options.add("subvolid=" + btrfs.subvolumeId(path(s.kind(), s.id())));
        if (s.kind() != SnapshotKind.ACTIVE) {
            options.add("ro");
        }
        return List.of(new Mount("btrfs", device, options));
    }

    @Override
    public void commit(String name, String key, Map<String, String> labels) {
        SnapshotUsage usage = usage(key);
        Path[] made = new Path[1];
        Path[] active = new Path[1];
        try {
            store.update(tx -> {
                SnapshotEntry committed = tx.commit(key, name, usage, labels == null ? Map.of() : labels);
                Path source = path(SnapshotKind.ACTIVE, committed.id());
                Path target = path(SnapshotKind.COMMITTED, committed.id());
                btrfs.snapshot(source, target, true);
                made[0] = target;
                active[0] = source;
                return committed;
            });
            made[0] = null;
        } finally {
            if (made[0] != null) {
                deleteQuietly(made[0]);
            }
        }
        deleteQuietly(active[0]);
    }

    @Override
    public void remove(String key) {
        Path[] moved = new Path[2];
        try {
            store.update(tx -> {
                SnapshotEntry e = tx.remove(key);
                Path source = path(e.kind(), e.id());
                Path removed = source.resolveSibling(REMOVED_PREFIX + e.idString());
                try {
                    Files.move(source, removed, StandardCopyOption.ATOMIC_MOVE);
                } catch (IOException ex) {
                    throw new UncheckedIOException(ex);
                }
                moved[0] = source;
                moved[1] = removed;
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
            if (e instanceof UncheckedIOException io) {
                throw ContainerjException.internal("btrfs: " + io.getCause().getMessage(), io.getCause());
            }
            throw e;
        }
        deleteQuietly(moved[1]);
    }

    /** Deletes every subvolume or directory under active/, view/ and snapshots/ that belongs to no snapshot. */
    @Override
    public void cleanup() {
        List<Path> doomed = store.update(tx -> {
            Set<Path> wanted = new HashSet<>();
            for (SnapshotEntry e : tx.all()) {
                wanted.add(path(e.kind(), e.id()));
            }
            List<Path> found = new ArrayList<>();
            for (String d : List.of("active", "view", "snapshots")) {
                try (DirectoryStream<Path> entries = Files.newDirectoryStream(root.resolve(d))) {
                    for (Path p : entries) {
                        if (!wanted.contains(p)) {
                            found.add(p);
                        }
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
            return found;
        });
        doomed.forEach(this::deleteQuietly);
    }

    private void deleteQuietly(Path p) {
        try {
            if (Btrfs.isSubvolume(p)) {
                btrfs.deleteSubvolume(p);
            } else if (!FileTrees.deleteTree(p)) {
                Logger.tag("snapshots").warn("btrfs: {} could not be removed completely", p);
            }
        } catch (IOException | RuntimeException e) {
            Logger.tag("snapshots").warn("btrfs: failed to remove {}: {}", p, e.getMessage());
        }
    }
}
