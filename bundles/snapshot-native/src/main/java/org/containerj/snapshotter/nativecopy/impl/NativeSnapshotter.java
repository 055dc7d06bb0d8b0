package org.containerj.snapshotter.nativecopy.impl;

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
 * containerd's native snapshotter: every active snapshot is a full copy of its parent,
 * so it works on any file system and needs no overlay support.
 *
 * <pre>
 * &lt;root&gt;/metadata.snapshots     the snapshots ({@link SnapshotStore})
 * &lt;root&gt;/snapshots/&lt;id&gt;         the root file system of an active or committed snapshot
 * </pre>
 *
 * Mounts are bind mounts ({@code rbind}), {@code rw} for an active snapshot and
 * {@code ro} for a view, in containerd's option order ({@code rbind,rw}); a view of a committed snapshot is a bind mount of that
 * snapshot itself, no copy. Removing renames the directory to {@code rm-<id>} while the
 * removal is recorded and deletes it afterwards; {@link #cleanup()} deletes whatever a
 * crash left behind.
 */
public final class NativeSnapshotter implements Snapshotter, Closeable {
    static final String REMOVED_PREFIX = "rm-";

    private final Path root;
    private final Path snapshots;
    private final SnapshotStore store;

    private NativeSnapshotter(Path root, SnapshotStore store) {
        this.root = root;
        this.snapshots = root.resolve("snapshots");
        this.store = store;
    }

    /** Opens (creating when needed) the snapshotter in {@code root}, with what an earlier run left there. */
    public static NativeSnapshotter open(Path root) {
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
                return new NativeSnapshotter(root, store);
            } catch (RuntimeException | IOException e) {
                store.close();
                throw e;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the native snapshotter in " + root, e);
        }
    }

    public Path root() {
        return root;
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
                    return created; // a view of a committed snapshot mounts that snapshot
                }
                try {
                    Path temp = Files.createTempDirectory(snapshots, "new-");
                    leftover[0] = temp;
                    if (created.parentIds().isEmpty()) {
                        Files.setPosixFilePermissions(temp, PosixFilePermissions.fromString("rwxr-xr-x"));
                    } else {
                        TreeCopier.copy(dir(created.parentIds().get(0)), temp);
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
            throw ContainerjException.internal("native: " + e.getCause().getMessage(), e.getCause());
        } finally {
            if (leftover[0] != null) {
                FileTrees.deleteQuietly(leftover[0], "native");
            }
        }
    }

    @Override
    public void commit(String name, String key, Map<String, String> labels) {
        store.update(tx -> {
            SnapshotEntry active = tx.find(key).orElseThrow(
                    () -> ContainerjException.notFound("failed to get active snapshot \"%s\": not found", key));
            SnapshotUsage usage = active.kind() == SnapshotKind.ACTIVE ? DiskUsage.of(dir(active.id()))
                    : new SnapshotUsage(0, 0);
            return tx.commit(key, name, usage, labels == null ? Map.of() : labels);
        });
    }

    @Override
    public void remove(String key) {
        Path[] moved = new Path[2];
        try {
            store.update(tx -> {
                SnapshotEntry e = tx.remove(key);
                Path path = dir(e.id());
                Path renamed = snapshots.resolve(REMOVED_PREFIX + e.idString());
                try {
                    Files.move(path, renamed, StandardCopyOption.ATOMIC_MOVE);
                    moved[0] = path;
                    moved[1] = renamed;
                } catch (NoSuchFileException viewWithoutDirectory) {
                    // a view of a committed snapshot has no directory of its own
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
            if (e instanceof UncheckedIOException io) {
                throw ContainerjException.internal("native: " + io.getCause().getMessage(), io.getCause());
            }
            throw e;
        }
        if (moved[1] != null) {
            FileTrees.deleteQuietly(moved[1], "native");
        }
    }

    /** Deletes every directory under {@code snapshots/} that belongs to no snapshot. */
    @Override
    public void cleanup() {
        List<Path> doomed;
        try {
            doomed = store.update(tx -> {
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
        } catch (UncheckedIOException e) {
            throw ContainerjException.internal("native: " + e.getCause().getMessage(), e.getCause());
        }
        doomed.forEach(p -> FileTrees.deleteQuietly(p, "native"));
    }

    List<Mount> mountsOf(StoredSnapshot s) {
        String ro = s.kind() == SnapshotKind.VIEW ? "ro" : "rw";
        Path source = s.parentIds().isEmpty() || s.kind() == SnapshotKind.ACTIVE ? dir(s.id()) : dir(s.parentIds().get(0));
        return List.of(new Mount("bind", source.toString(), List.of("rbind", ro)));
    }
}
