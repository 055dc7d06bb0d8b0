package org.containerj.examples.snapshotter;

import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
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
import org.containerj.snapshots.storage.DiskUsage;
import org.containerj.snapshots.storage.FileTrees;
import org.containerj.snapshots.storage.SnapshotEntry;
import org.containerj.snapshots.storage.SnapshotStore;
import org.containerj.snapshots.storage.StoredSnapshot;

/**
 * A snapshotter in a few lines: an active snapshot is a directory holding a copy of its
 * parent made by {@code cp -a}; a view of a committed snapshot is that snapshot's
 * directory mounted read-only. The rules (keys, kinds, parents, children) and the
 * crash-safe bookkeeping are the {@link SnapshotStore} of the snapshots bundle.
 *
 * <pre>
 * &lt;root&gt;/metadata.snapshots   the snapshots
 * &lt;root&gt;/snapshots/&lt;id&gt;       a snapshot's tree
 * </pre>
 *
 * A directory is made under a temporary name and renamed into place inside the store
 * update that records it, and renamed to {@code rm-<id>} inside the one that forgets it,
 * so a crash leaves at worst a directory that {@link #cleanup()} deletes.
 */
final class CopyingSnapshotter implements Snapshotter, Closeable {
    static final String REMOVED_PREFIX = "rm-";

    private final Path snapshots;
    private final SnapshotStore store;
    private final Duration copyTimeout;

    private CopyingSnapshotter(Path root, SnapshotStore store, Duration copyTimeout) {
        this.snapshots = root.resolve("snapshots");
        this.store = store;
        this.copyTimeout = copyTimeout;
    }

    /** Opens the snapshotter in {@code root}, creating it when needed, with what an earlier run left there. */
    static CopyingSnapshotter open(Path root, Duration copyTimeout) {
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
                return new CopyingSnapshotter(root, store, copyTimeout);
            } catch (RuntimeException | IOException e) {
                store.close();
                throw e;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the example snapshotter in " + root, e);
        }
    }

    @Override
    public void close() {
        store.close();
    }

    Path dir(long id) {
        return snapshots.resolve(Long.toString(id));
    }

    @Override
    public SnapshotInfo stat(String key) {
        return store.view(tx -> tx.entry(key).info());
    }

    @Override
    public SnapshotInfo update(SnapshotInfo info, Set<String> fieldPaths) {
        return store.update(tx -> tx.update(info, fieldPaths));
    }

    @Override
    public SnapshotUsage usage(String key) {
        SnapshotEntry e = store.view(tx -> tx.entry(key));
        return e.kind() == SnapshotKind.ACTIVE ? DiskUsage.of(dir(e.id())) : e.usage();
    }

    @Override
    public List<Mount> mounts(String key) {
        return mountsOf(store.view(tx -> tx.snapshot(key)));
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
        Path[] leftover = new Path[1];
        try {
            StoredSnapshot s = store.update(tx -> {
                StoredSnapshot created = tx.create(kind, key, parent, labels == null ? Map.of() : labels);
                if (kind == SnapshotKind.VIEW && !created.parentIds().isEmpty()) {
                    return created; // mounts its parent's directory, read-only
                }
                try {
                    Path temp = Files.createTempDirectory(snapshots, "new-");
                    leftover[0] = temp;
                    Files.setPosixFilePermissions(temp, PosixFilePermissions.fromString("rwxr-xr-x"));
                    if (!created.parentIds().isEmpty()) {
                        TreeCopy.copy(dir(created.parentIds().get(0)), temp, copyTimeout);
                    }
                    Path path = dir(created.id());
                    Files.move(temp, path, StandardCopyOption.ATOMIC_MOVE);
                    leftover[0] = path;
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
                return created;
            });
            leftover[0] = null;
            return mountsOf(s);
        } catch (UncheckedIOException e) {
            throw ContainerjException.internal("example: " + e.getCause().getMessage(), e.getCause());
        } finally {
            if (leftover[0] != null) {
                FileTrees.deleteQuietly(leftover[0], "example");
            }
        }
    }

    @Override
    public void commit(String name, String key, Map<String, String> labels) {
        store.update(tx -> {
            SnapshotEntry active = tx.entry(key);
            SnapshotUsage usage = active.kind() == SnapshotKind.ACTIVE ? DiskUsage.of(dir(active.id()))
                    : new SnapshotUsage(0, 0);
            return tx.commit(key, name, usage, labels == null ? Map.of() : labels);
        });
    }

    @Override
    public void remove(String key) {
        Path[] renamed = new Path[1];
        store.update(tx -> {
            SnapshotEntry e = tx.remove(key);
            Path to = snapshots.resolve(REMOVED_PREFIX + e.idString());
            try {
                Files.move(dir(e.id()), to, StandardCopyOption.ATOMIC_MOVE);
                renamed[0] = to;
            } catch (NoSuchFileException viewWithoutDirectory) {
                // a view of a committed snapshot has no directory of its own
            } catch (IOException ex) {
                throw ContainerjException.internal("example: cannot remove " + key + ": " + ex, ex);
            }
            return e;
        });
        if (renamed[0] != null) {
            FileTrees.deleteQuietly(renamed[0], "example");
        }
    }

    /** Deletes every directory under {@code snapshots/} that belongs to no snapshot. */
    @Override
    public void cleanup() {
        // inside an update: no create is half way (its temporary directory is no snapshot yet)
        List<Path> doomed = store.update(tx -> {
            Set<String> ids = tx.ids();
            List<Path> found = new ArrayList<>();
            try (DirectoryStream<Path> dirs = Files.newDirectoryStream(snapshots)) {
                for (Path p : dirs) {
                    if (!ids.contains(p.getFileName().toString())) {
                        found.add(p);
                    }
                }
            } catch (IOException e) {
                throw ContainerjException.internal("example: cannot list " + snapshots + ": " + e, e);
            }
            return found;
        });
        doomed.forEach(p -> FileTrees.deleteQuietly(p, "example"));
    }

    private List<Mount> mountsOf(StoredSnapshot s) {
        boolean view = s.kind() == SnapshotKind.VIEW;
        Path source = view && !s.parentIds().isEmpty() ? dir(s.parentIds().get(0)) : dir(s.id());
        return List.of(new Mount("bind", source.toString(), List.of(view ? "ro" : "rw", "rbind")));
    }
}
