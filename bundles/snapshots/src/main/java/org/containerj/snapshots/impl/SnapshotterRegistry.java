package org.containerj.snapshots.impl;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;

import org.containerj.api.errdefs.ContainerjException;
import org.containerj.api.plugin.PluginTypes;
import org.containerj.api.snapshots.Snapshotter;

/**
 * The snapshotter plugins there are right now, by id, as they come and go. A lookup of
 * an id with no plugin fails the way containerd fails it ({@code snapshotter not
 * loaded: X}, INVALID_ARGUMENT) unless the id was served before, in this run or (as
 * {@code knownBefore} tells) in an earlier one: then the plugin is only away for the
 * moment (its bundle stopped, updated or restarting) and the call fails with
 * UNAVAILABLE naming it, so that a client can retry.
 */
final class SnapshotterRegistry {
    private final Map<String, List<Snapshotter>> plugins = new ConcurrentHashMap<>();
    private final Set<String> seen = ConcurrentHashMap.newKeySet();
    private final Predicate<String> knownBefore;

    SnapshotterRegistry(Predicate<String> knownBefore) {
        this.knownBefore = knownBefore;
    }

    void add(String id, Snapshotter snapshotter) {
        seen.add(id);
        plugins.computeIfAbsent(id, k -> new CopyOnWriteArrayList<>()).add(0, snapshotter);
    }

    void remove(String id, Snapshotter snapshotter) {
        plugins.computeIfPresent(id, (k, list) -> {
            list.remove(snapshotter);
            return list.isEmpty() ? null : list;
        });
    }

    Snapshotter get(String id) {
        List<Snapshotter> list = plugins.get(id);
        if (list != null) {
            for (Snapshotter s : list) {
                return s;
            }
        }
        if (seen.contains(id) || knownBefore.test(id)) {
            throw ContainerjException.unavailable("plugin %s.%s is not available", PluginTypes.SNAPSHOTTER, id);
        }
        throw ContainerjException.invalidArgument("snapshotter not loaded: %s: invalid argument", id);
    }
}
