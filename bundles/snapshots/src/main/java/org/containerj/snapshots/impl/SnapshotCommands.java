package org.containerj.snapshots.impl;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

import org.containerj.api.errdefs.ContainerjException;
import org.containerj.api.mount.Mount;
import org.containerj.api.namespaces.Namespace;
import org.containerj.api.namespaces.NamespaceStore;
import org.containerj.api.plugin.PluginProperties;
import org.containerj.api.plugin.PluginTypes;
import org.containerj.api.snapshots.NamespacedSnapshotters;
import org.containerj.api.snapshots.SnapshotInfo;
import org.containerj.api.snapshots.SnapshotKind;
import org.containerj.api.snapshots.SnapshotUsage;
import org.containerj.api.snapshots.Snapshotter;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;

/**
 * Gogo commands on the namespaced snapshots, as a client sees them:
 * <ul>
 *   <li>{@code snapshots [SNAPSHOTTER [NAMESPACE]]}: every snapshot of every loaded
 *       snapshotter (or one) in every namespace (or one);</li>
 *   <li>{@code snapshot-info SNAPSHOTTER NAMESPACE KEY}: a snapshot's info, usage and,
 *       for an active snapshot or a view, its mounts.</li>
 * </ul>
 * Gogo cannot map a name with a dash to a method, so both go through {@code _main}, which
 * Gogo calls with the command name first. Failures are thrown with containerd's error
 * text, which the shell prints.
 */
@Component(service = SnapshotCommands.class, property = {
        "osgi.command.scope=containerj",
        "osgi.command.function=snapshots",
        "osgi.command.function=snapshot-info"})
public final class SnapshotCommands {
    private final Set<String> loaded = ConcurrentHashMap.newKeySet();

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile NamespacedSnapshotters snapshotters;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile NamespaceStore namespaces;

    public SnapshotCommands() {
    }

    /** For tests: the services and the ids of the loaded snapshotters. */
    SnapshotCommands(NamespacedSnapshotters snapshotters, NamespaceStore namespaces, String... loadedIds) {
        this.snapshotters = snapshotters;
        this.namespaces = namespaces;
        this.loaded.addAll(Arrays.asList(loadedIds));
    }

    /** Tracks which snapshotter plugins are loaded; only their ids are kept, never the services. */
    @Reference(name = "snapshotter", service = Snapshotter.class, cardinality = ReferenceCardinality.MULTIPLE,
            policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY,
            target = "(" + PluginProperties.TYPE + "=" + PluginTypes.SNAPSHOTTER + ")")
    void bindSnapshotter(Map<String, Object> properties) {
        loaded.add(String.valueOf(properties.get(PluginProperties.ID)));
    }

    void unbindSnapshotter(Map<String, Object> properties) {
        loaded.remove(String.valueOf(properties.get(PluginProperties.ID)));
    }

    public String _main(String... argv) {
        String command = argv.length == 0 ? "" : argv[0];
        List<String> args = Arrays.asList(argv).subList(Math.min(1, argv.length), argv.length);
        return switch (command) {
            case "snapshots" -> list(args);
            case "snapshot-info" -> info(args);
            default -> throw new IllegalArgumentException("unknown command " + command);
        };
    }

    private String list(List<String> args) {
        if (args.size() > 2) {
            throw new IllegalArgumentException("usage: snapshots [SNAPSHOTTER [NAMESPACE]]");
        }
        NamespacedSnapshotters service = service();
        List<String> ids = args.isEmpty() ? List.copyOf(new TreeSet<>(loaded)) : List.of(args.get(0));
        List<String> nsNames = args.size() == 2 ? List.of(args.get(1)) : namespaceNames();
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"SNAPSHOTTER", "NAMESPACE", "KEY", "PARENT", "KIND"});
        for (String id : ids) {
            for (String ns : nsNames) {
                service.forNamespace(id, ns).walk(List.of(), info -> rows.add(new String[] {
                    id, ns, info.name(), info.parent(), kindName(info.kind())}));
            }
        }
        return table(rows);
    }

    private String info(List<String> args) {
        if (args.size() != 3) {
            throw new IllegalArgumentException("usage: snapshot-info SNAPSHOTTER NAMESPACE KEY");
        }
        Snapshotter s = service().forNamespace(args.get(0), args.get(1));
        String key = args.get(2);
        SnapshotInfo info = s.stat(key);
        SnapshotUsage usage = s.usage(key);
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"name", info.name()});
        rows.add(new String[] {"parent", info.parent()});
        rows.add(new String[] {"kind", kindName(info.kind())});
        rows.add(new String[] {"created", String.valueOf(info.createdAt())});
        rows.add(new String[] {"updated", String.valueOf(info.updatedAt())});
        new TreeMap<>(info.labels()).forEach((k, v) -> rows.add(new String[] {"label", k + "=" + v}));
        rows.add(new String[] {"size", Long.toString(usage.size())});
        rows.add(new String[] {"inodes", Long.toString(usage.inodes())});
        if (info.kind() == SnapshotKind.ACTIVE || info.kind() == SnapshotKind.VIEW) {
            for (Mount m : s.mounts(key)) {
                rows.add(new String[] {"mount", m.type() + " " + m.source() + " " + String.join(",", m.options())});
            }
        }
        StringBuilder b = new StringBuilder();
        for (String[] r : rows) {
            b.append(String.format("%-8s %s", r[0] + ":", r[1]).stripTrailing()).append('\n');
        }
        return b.toString();
    }

    private List<String> namespaceNames() {
        NamespaceStore store = namespaces;
        if (store == null) {
            throw ContainerjException.unavailable("plugin %s.namespaces-service is not available", PluginTypes.SERVICE);
        }
        return store.list().stream().map(Namespace::name).collect(Collectors.toList());
    }

    private NamespacedSnapshotters service() {
        NamespacedSnapshotters s = snapshotters;
        if (s == null) {
            throw ContainerjException.unavailable("plugin %s.%s is not available", PluginTypes.SERVICE,
                    SnapshotsServicePlugin.ID);
        }
        return s;
    }

    /** The kind as ctr shows it. */
    static String kindName(SnapshotKind kind) {
        return switch (kind) {
            case ACTIVE -> "Active";
            case VIEW -> "View";
            case COMMITTED -> "Committed";
            case UNKNOWN -> "Unknown";
        };
    }

    /** Left-aligned columns two spaces apart. */
    static String table(List<String[]> rows) {
        int[] width = new int[rows.get(0).length];
        for (String[] r : rows) {
            for (int i = 0; i < r.length; i++) {
                width[i] = Math.max(width[i], r[i].length());
            }
        }
        StringBuilder b = new StringBuilder();
        for (String[] r : rows) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < r.length; i++) {
                line.append(r[i]).append(" ".repeat(width[i] - r[i].length() + 2));
            }
            b.append(line.toString().stripTrailing()).append('\n');
        }
        return b.toString();
    }
}
