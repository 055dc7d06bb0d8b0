package org.containerj.containers.impl;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.containerj.api.containers.Container;
import org.containerj.api.containers.ContainerStore;
import org.containerj.api.containers.TypedValue;
import org.containerj.api.errdefs.ContainerjException;
import org.containerj.api.identifiers.Identifiers;
import org.containerj.api.identifiers.Labels;
import org.containerj.api.metadata.Entry;
import org.containerj.api.metadata.MetadataLayout;
import org.containerj.api.metadata.MetadataStore;
import org.containerj.api.metadata.ReadTransaction;
import org.containerj.filters.FieldPaths;
import org.containerj.filters.Filter;

/**
 * Containers kept in the metadata store at {@code v1/<ns>/containers/<id>}, with
 * containerd's rules: a valid identifier, a runtime name, a spec, valid labels, non-empty
 * extension keys, and a snapshotter whenever there is a snapshot key. A label with an
 * empty value is not kept (containerd drops those when it writes labels).
 */
public final class MetadataContainerStore implements ContainerStore {
    /** What an update without field paths replaces. */
    private static final List<String> FULL_UPDATE = List.of("labels", "spec", "extensions", "image", "snapshotkey");

    private final MetadataStore store;

    public MetadataContainerStore(MetadataStore store) {
        this.store = store;
    }

    @Override
    public Container get(String namespace, String id) {
        Identifiers.validate(namespace);
        requireId(id);
        return store.view(tx -> read(tx, namespace, id)).orElseThrow(
                () -> ContainerjException.notFound("container %s in namespace %s: not found", quote(id),
                        quote(namespace)));
    }

    @Override
    public List<Container> list(String namespace, List<String> filters) {
        Identifiers.validate(namespace);
        Filter filter = Filter.parse(filters);
        var containers = ContainerRecords.containers(namespace);
        return store.view(tx -> {
            List<Container> found = new ArrayList<>();
            for (Entry e : tx.scan(containers)) {
                if (e.key().size() == containers.size() + 1) {
                    Container c = ContainerRecords.decode(e.key().last(), e.value());
                    if (filter.matches(ContainerRecords.fields(c))) {
                        found.add(c);
                    }
                }
            }
            return found;
        });
    }

    @Override
    public Container create(String namespace, Container container) {
        Identifiers.validate(namespace);
        validate(container);
        Instant now = Instant.now();
        Container created = new Container(container.id(), withoutEmpty(container.labels()), container.image(),
                container.runtime(), container.spec(), container.snapshotter(), container.snapshotKey(), now, now,
                container.extensions(), container.sandbox());
        byte[] record = ContainerRecords.encode(created);
        return store.update(tx -> {
            var key = ContainerRecords.container(namespace, container.id());
            if (tx.exists(key)) {
                throw ContainerjException.alreadyExists("container %s: already exists", quote(container.id()));
            }
            tx.putIfAbsent(MetadataLayout.namespaceLabels(namespace), new byte[0]);
            tx.put(key, record);
            return created;
        });
    }

    @Override
    public Container update(String namespace, Container container, List<String> fieldPaths) {
        Identifiers.validate(namespace);
        if (container.id().isEmpty()) {
            throw ContainerjException.invalidArgument("must specify a container id");
        }
        List<String> paths = fieldPaths == null ? List.of() : List.copyOf(fieldPaths);
        return store.update(tx -> {
            Container current = read(tx, namespace, container.id()).orElseThrow(
                    () -> ContainerjException.notFound("container %s: not found", quote(container.id())));
            Container updated = apply(current, container, paths);
            try {
                validate(updated);
            } catch (ContainerjException e) {
                throw ContainerjException.invalidArgument("update validation error: %s", e.getMessage());
            }
            tx.put(ContainerRecords.container(namespace, container.id()), ContainerRecords.encode(updated));
            return updated;
        });
    }

    private static Container apply(Container current, Container update, List<String> given) {
        List<String> paths = given;
        if (paths.isEmpty()) {
            if (!update.snapshotter().equals(current.snapshotter())) {
                throw ContainerjException.invalidArgument("container.Snapshotter field is immutable");
            }
            if (!update.runtime().name().equals(current.runtime().name())) {
                throw ContainerjException.invalidArgument("container.Runtime.Name field is immutable");
            }
            paths = FULL_UPDATE;
        }
        List<String> labelPaths = new ArrayList<>();
        Map<String, TypedValue> extensions = current.extensions();
        TypedValue spec = current.spec();
        String image = current.image();
        String snapshotKey = current.snapshotKey();
        for (String path : paths) {
            if (path.equals("labels") || path.startsWith("labels.")) {
                labelPaths.add(path);
            } else if (path.startsWith("extensions.")) {
                String key = path.substring("extensions.".length());
                Map<String, TypedValue> changed = new HashMap<>(extensions);
                TypedValue value = update.extensions().get(key);
                if (value == null) {
                    changed.remove(key);
                } else {
                    changed.put(key, value);
                }
                extensions = changed;
            } else {
                switch (path) {
                    case "spec" -> spec = update.spec();
                    case "extensions" -> extensions = update.extensions();
                    case "image" -> image = update.image();
                    case "snapshotkey" -> snapshotKey = update.snapshotKey();
                    default -> throw ContainerjException.invalidArgument("cannot update %s field on %s", quote(path),
                            quote(current.id()));
                }
            }
        }
        Map<String, String> labels = labelPaths.isEmpty() ? current.labels()
                : FieldPaths.applyLabels(current.labels(), update.labels(), labelPaths, List.of());
        return new Container(current.id(), withoutEmpty(labels), image, current.runtime(), spec,
                current.snapshotter(), snapshotKey, current.createdAt(), Instant.now(), extensions, current.sandbox());
    }

    @Override
    public void delete(String namespace, String id) {
        Identifiers.validate(namespace);
        requireId(id);
        store.update(tx -> {
            var key = ContainerRecords.container(namespace, id);
            if (!tx.exists(key)) {
                throw ContainerjException.notFound("container %s: not found", quote(id));
            }
            tx.delete(key);
            return null;
        });
    }

    private static java.util.Optional<Container> read(ReadTransaction tx, String namespace, String id) {
        return tx.get(ContainerRecords.container(namespace, id)).map(v -> ContainerRecords.decode(id, v));
    }

    private static void requireId(String id) {
        if (id == null || id.isEmpty()) {
            throw ContainerjException.invalidArgument("container id must not be empty");
        }
    }

    /** containerd's validateContainer, with its wording. */
    static void validate(Container c) {
        try {
            Identifiers.validate(c.id());
        } catch (ContainerjException e) {
            throw ContainerjException.invalidArgument("container.ID: %s", e.getMessage());
        }
        for (String key : c.extensions().keySet()) {
            if (key.isEmpty()) {
                throw ContainerjException.invalidArgument("container.Extension keys must not be zero-length");
            }
        }
        try {
            Labels.validate(c.labels());
        } catch (ContainerjException e) {
            throw ContainerjException.invalidArgument("containers.Labels: %s", e.getMessage());
        }
        if (c.runtime().name().isEmpty()) {
            throw ContainerjException.invalidArgument("container.Runtime.Name must be set");
        }
        if (c.spec() == null) {
            throw ContainerjException.invalidArgument("container.Spec must be set");
        }
        if (!c.snapshotKey().isEmpty() && c.snapshotter().isEmpty()) {
            throw ContainerjException.invalidArgument(
                    "container.Snapshotter must be set if container.SnapshotKey is set");
        }
    }

    private static Map<String, String> withoutEmpty(Map<String, String> labels) {
        if (!labels.containsValue("")) {
            return labels;
        }
        Map<String, String> kept = new HashMap<>(labels);
        kept.values().removeIf(String::isEmpty);
        return kept;
    }

    private static String quote(String s) {
        return "\"" + s + "\"";
    }
}
