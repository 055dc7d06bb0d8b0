package org.containerj.snapshots.storage;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Consumer;

import org.containerj.api.errdefs.ContainerjException;
import org.containerj.api.identifiers.Labels;
import org.containerj.api.snapshots.SnapshotInfo;
import org.containerj.api.snapshots.SnapshotKind;
import org.containerj.api.snapshots.SnapshotUsage;
import org.containerj.filters.Filter;

/**
 * The snapshots of one snapshotter inside a {@link SnapshotStore#view} or
 * {@link SnapshotStore#update}: the rules every snapshotter shares (a parent must be
 * committed, only an active snapshot can be committed, a parent with children cannot be
 * removed), with containerd's errors. Changes are seen by the work that makes them and
 * by nobody else until the update returns and the store has written them to disk.
 */
public final class SnapshotTransaction {
    private final NavigableMap<String, SnapshotEntry> entries;
    private final boolean writable;
    private long sequence;
    private boolean changed;

    SnapshotTransaction(NavigableMap<String, SnapshotEntry> entries, long sequence, boolean writable) {
        this.entries = writable ? new TreeMap<>(entries) : entries;
        this.sequence = sequence;
        this.writable = writable;
    }

    // ---- reading

    /** The snapshot stored under {@code key}, if any. */
    public Optional<SnapshotEntry> find(String key) {
        return Optional.ofNullable(entries.get(key));
    }

    /** The snapshot stored under {@code key}; NOT_FOUND when there is none. */
    public SnapshotEntry entry(String key) {
        SnapshotEntry e = entries.get(key);
        if (e == null) {
            throw ContainerjException.notFound("snapshot %s does not exist: not found", key);
        }
        return e;
    }

    /**
     * The active snapshot or view {@code key} with the ids of its ancestors, nearest first;
     * NOT_FOUND when there is none, FAILED_PRECONDITION for a committed snapshot.
     */
    public StoredSnapshot snapshot(String key) {
        SnapshotEntry e = entry(key);
        if (e.kind() != SnapshotKind.ACTIVE && e.kind() != SnapshotKind.VIEW) {
            throw ContainerjException.failedPrecondition("requested snapshot %s not active or view: failed precondition",
                    key);
        }
        return new StoredSnapshot(e.id(), e.kind(), parentIds(e));
    }

    /** The ids of the ancestors of {@code entry}, nearest first. */
    public List<Long> parentIds(SnapshotEntry entry) {
        List<Long> ids = new ArrayList<>();
        String parent = entry.parent();
        while (!parent.isEmpty()) {
            SnapshotEntry p = entries.get(parent);
            if (p == null) {
                throw ContainerjException.notFound("parent snapshot %s does not exist: not found", parent);
            }
            ids.add(p.id());
            parent = p.parent();
        }
        return ids;
    }

    /** Keys of the snapshots whose parent is {@code key}, in key order. */
    public List<String> children(String key) {
        List<String> children = new ArrayList<>();
        for (SnapshotEntry e : entries.values()) {
            if (e.parent().equals(key)) {
                children.add(e.key());
            }
        }
        return children;
    }

    /** Every snapshot, in key order. */
    public List<SnapshotEntry> all() {
        return List.copyOf(entries.values());
    }

    /** The ids in use, as directory names. */
    public Set<String> ids() {
        Set<String> ids = new TreeSet<>();
        for (SnapshotEntry e : entries.values()) {
            ids.add(e.idString());
        }
        return ids;
    }

    /** The last id handed out (ids are never reused). */
    public long sequence() {
        return sequence;
    }

    /** Calls {@code visitor} for each snapshot matching containerd's {@code filters}, in key order. */
    public void walk(List<String> filters, Consumer<SnapshotInfo> visitor) {
        Filter filter = Filter.parse(filters);
        for (SnapshotEntry e : List.copyOf(entries.values())) {
            SnapshotInfo info = e.info();
            if (filter.matches(SnapshotFields.of(info))) {
                visitor.accept(info);
            }
        }
    }

    // ---- writing

    /**
     * Records a new active snapshot or view on top of committed {@code parent} (empty for
     * none) under a fresh id. ALREADY_EXISTS when {@code key} is taken, NOT_FOUND for a
     * missing parent, INVALID_ARGUMENT when the parent is not committed.
     */
    public StoredSnapshot create(SnapshotKind kind, String key, String parent, Map<String, String> labels) {
        requireWritable();
        if (kind != SnapshotKind.ACTIVE && kind != SnapshotKind.VIEW) {
            throw ContainerjException.invalidArgument(
                    "snapshot type %s invalid; only snapshots of type Active or View can be created: invalid argument",
                    kind);
        }
        requireKey(key);
        String p = parent == null ? "" : parent;
        List<Long> parentIds = List.of();
        if (!p.isEmpty()) {
            SnapshotEntry pe = entries.get(p);
            if (pe == null) {
                throw ContainerjException.notFound("missing parent \"%s\" bucket: not found", p);
            }
            if (pe.kind() != SnapshotKind.COMMITTED) {
                throw ContainerjException.invalidArgument(
                        "failed to create snapshot: parent \"%s\" is not committed snapshot: invalid argument", p);
            }
            parentIds = prepend(pe.id(), parentIds(pe));
        }
        if (entries.containsKey(key)) {
            throw ContainerjException.alreadyExists("snapshot %s: already exists", key);
        }
        Labels.validate(labels);
        Instant now = Instant.now();
        long id = ++sequence;
        entries.put(key, new SnapshotEntry(id, key, kind, p, labels, now, now, null));
        changed = true;
        return new StoredSnapshot(id, kind, parentIds);
    }

    /**
     * Turns active snapshot {@code key} into committed snapshot {@code name}, keeping its
     * id and parent and replacing its labels. ALREADY_EXISTS when {@code name} is taken,
     * NOT_FOUND for a missing key, FAILED_PRECONDITION when it is not active.
     */
    public SnapshotEntry commit(String key, String name, SnapshotUsage usage, Map<String, String> labels) {
        return commit(key, name, usage, labels, "");
    }

    /**
     * As {@link #commit(String, String, SnapshotUsage, Map)}, setting the parent to committed
     * snapshot {@code parent} when not empty (a rebase): NOT_FOUND for a missing parent,
     * FAILED_PRECONDITION when it is not committed or {@code key} has another parent.
     */
    public SnapshotEntry commit(String key, String name, SnapshotUsage usage, Map<String, String> labels,
            String parent) {
        requireWritable();
        requireKey(name);
        if (entries.containsKey(name)) {
            throw ContainerjException.alreadyExists("committed snapshot %s: already exists", name);
        }
        SnapshotEntry active = entries.get(key);
        if (active == null) {
            throw ContainerjException.notFound("failed to get active snapshot \"%s\": not found", key);
        }
        if (active.kind() != SnapshotKind.ACTIVE) {
            throw ContainerjException.failedPrecondition(
                    "failed to commit snapshot: snapshot \"%s\" is not active: failed precondition", key);
        }
        String newParent = active.parent();
        if (parent != null && !parent.isEmpty()) {
            if (!active.parent().isEmpty() && !active.parent().equals(parent)) {
                throw ContainerjException.failedPrecondition(
                        "cannot rebase snapshot \"%s\" onto \"%s\": it has parent \"%s\": failed precondition", key,
                        parent, active.parent());
            }
            SnapshotEntry pe = entries.get(parent);
            if (pe == null) {
                throw ContainerjException.notFound("parent snapshot %s does not exist: not found", parent);
            }
            if (pe.kind() != SnapshotKind.COMMITTED) {
                throw ContainerjException.failedPrecondition(
                        "parent \"%s\" is not committed snapshot: failed precondition", parent);
            }
            newParent = parent;
        }
        Labels.validate(labels);
        Instant now = Instant.now();
        SnapshotEntry committed = new SnapshotEntry(active.id(), name, SnapshotKind.COMMITTED, newParent, labels,
                now, now, usage);
        entries.remove(key);
        entries.put(name, committed);
        changed = true;
        return committed;
    }

    /**
     * Forgets snapshot {@code key} and returns what it was. NOT_FOUND when there is none,
     * FAILED_PRECONDITION when another snapshot has it as parent.
     */
    public SnapshotEntry remove(String key) {
        requireWritable();
        SnapshotEntry e = entries.get(key);
        if (e == null) {
            throw ContainerjException.notFound("snapshot %s: not found", key);
        }
        if (!children(key).isEmpty()) {
            throw ContainerjException.failedPrecondition("cannot remove snapshot with child: failed precondition");
        }
        entries.remove(key);
        changed = true;
        return e;
    }

    /**
     * Updates the labels of {@code info.name()} as {@code fieldPaths} say (none: all
     * labels; {@code labels}; {@code labels.KEY}); any other path is INVALID_ARGUMENT.
     * An empty label value removes the label, as in containerd.
     */
    public SnapshotInfo update(SnapshotInfo info, Set<String> fieldPaths) {
        requireWritable();
        SnapshotEntry e = entries.get(info.name());
        if (e == null) {
            throw ContainerjException.notFound("snapshot %s does not exist: not found", info.name());
        }
        Map<String, String> labels = applyLabels(e.labels(), info.labels(), fieldPaths, info.name());
        SnapshotEntry updated = new SnapshotEntry(e.id(), e.key(), e.kind(), e.parent(), labels, e.created(),
                Instant.now(), e.usage());
        entries.put(e.key(), updated);
        changed = true;
        return updated.info();
    }

    /** Makes sure ids up to {@code atLeast} are never handed out (directories left by a crash). */
    public void reserveIds(long atLeast) {
        requireWritable();
        if (atLeast > sequence) {
            sequence = atLeast;
            changed = true;
        }
    }

    /**
     * containerd's label update: with no paths all labels are replaced; {@code labels}
     * replaces all; {@code labels.KEY} sets or clears one. Empty values are dropped.
     */
    public static Map<String, String> applyLabels(Map<String, String> current, Map<String, String> update,
            Set<String> fieldPaths, String name) {
        Map<String, String> result;
        if (fieldPaths == null || fieldPaths.isEmpty()) {
            result = new HashMap<>(update);
        } else {
            result = new HashMap<>(current);
            for (String path : fieldPaths) {
                if (path.equals("labels")) {
                    result = new HashMap<>(update);
                } else if (path.startsWith("labels.")) {
                    String k = path.substring("labels.".length());
                    String v = update.get(k);
                    if (v == null) {
                        result.remove(k);
                    } else {
                        result.put(k, v);
                    }
                } else {
                    throw ContainerjException.invalidArgument("cannot update \"%s\" field on snapshot \"%s\": invalid argument",
                            path, name);
                }
            }
        }
        result.values().removeIf(String::isEmpty);
        Labels.validate(result);
        return Map.copyOf(result);
    }

    boolean changed() {
        return changed;
    }

    NavigableMap<String, SnapshotEntry> entries() {
        return entries;
    }

    private void requireWritable() {
        if (!writable) {
            throw new IllegalStateException("read-only snapshot transaction");
        }
    }

    private static void requireKey(String key) {
        if (key == null || key.isEmpty()) {
            throw ContainerjException.invalidArgument("snapshot key must not be empty");
        }
    }

    private static List<Long> prepend(long first, List<Long> rest) {
        List<Long> all = new ArrayList<>(rest.size() + 1);
        all.add(first);
        all.addAll(rest);
        return all;
    }
}
