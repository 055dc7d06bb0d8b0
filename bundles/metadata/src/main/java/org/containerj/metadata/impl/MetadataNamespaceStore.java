package org.containerj.metadata.impl;

import static org.containerj.api.metadata.MetadataLayout.BLOB;
import static org.containerj.api.metadata.MetadataLayout.CONTAINERS;
import static org.containerj.api.metadata.MetadataLayout.CONTENT;
import static org.containerj.api.metadata.MetadataLayout.IMAGES;
import static org.containerj.api.metadata.MetadataLayout.LABELS;
import static org.containerj.api.metadata.MetadataLayout.SNAPSHOTS;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;

import org.containerj.api.errdefs.ContainerjException;
import org.containerj.api.identifiers.Identifiers;
import org.containerj.api.identifiers.Labels;
import org.containerj.api.metadata.Key;
import org.containerj.api.metadata.MetadataLayout;
import org.containerj.api.metadata.MetadataStore;
import org.containerj.api.metadata.ReadTransaction;
import org.containerj.api.metadata.WriteTransaction;
import org.containerj.api.namespaces.Namespace;
import org.containerj.api.namespaces.NamespaceStore;

/**
 * {@link NamespaceStore} on the metadata store, with containerd's rules. A namespace is
 * {@code v1/<name>}: it exists while any key starts with it. Its labels are one value at
 * {@code v1/<name>/labels} ({@link LabelsCodec}), written when it is created, so an
 * unlabelled namespace still exists.
 */
public final class MetadataNamespaceStore implements NamespaceStore {

    private static final String LABELS_PATH_PREFIX = "labels.";

    private final MetadataStore store;

    public MetadataNamespaceStore(MetadataStore store) {
        this.store = Objects.requireNonNull(store, "store");
    }

    @Override
    public Namespace create(String name, Map<String, String> labels) {
        Identifiers.validate(name);
        Map<String, String> wanted = validLabels(labels);
        return store.update(tx -> {
            if (tx.existsUnder(MetadataLayout.namespace(name))) {
                throw ContainerjException.alreadyExists("namespace %s: already exists", quote(name));
            }
            tx.put(MetadataLayout.namespaceLabels(name), LabelsCodec.encode(wanted));
            return new Namespace(name, wanted);
        });
    }

    @Override
    public Namespace get(String name) {
        Identifiers.validate(name);
        return store.view(tx -> {
            if (!tx.existsUnder(MetadataLayout.namespace(name))) {
                throw ContainerjException.notFound("namespace %s: not found", quote(name));
            }
            return new Namespace(name, labels(tx, name));
        });
    }

    @Override
    public List<Namespace> list() {
        return store.view(tx -> {
            List<Namespace> out = new ArrayList<>();
            for (String name : tx.children(MetadataLayout.NAMESPACES)) {
                out.add(new Namespace(name, labels(tx, name)));
            }
            return out;
        });
    }

    @Override
    public Namespace setLabel(String name, String key, String value) {
        Identifiers.validate(name);
        validLabel(key, value);
        return store.update(tx -> {
            SortedMap<String, String> labels = labels(tx, name);
            if (value == null || value.isEmpty()) {
                labels.remove(key);
            } else {
                labels.put(key, value);
            }
            return write(tx, name, labels);
        });
    }

    @Override
    public Namespace update(String name, Map<String, String> labels, List<String> fieldPaths) {
        Identifiers.validate(name);
        Map<String, String> given = labels == null ? Map.of() : labels;
        List<String> paths = fieldPaths == null ? List.of() : fieldPaths;
        List<String> keys = new ArrayList<>();
        for (String path : paths) {
            if (path == null || !path.startsWith(LABELS_PATH_PREFIX)) {
                throw ContainerjException.invalidArgument("cannot update %s field on namespace %s",
                        quote(String.valueOf(path)), quote(name));
            }
            String key = path.substring(LABELS_PATH_PREFIX.length());
            validLabel(key, given.get(key));
            keys.add(key);
        }
        Map<String, String> replacement = paths.isEmpty() ? validLabels(given) : null;
        return store.update(tx -> {
            SortedMap<String, String> current = labels(tx, name);
            if (replacement != null) {
                current.clear();
                current.putAll(replacement);
            } else {
                for (String key : keys) {
                    String value = given.get(key);
                    if (value == null || value.isEmpty()) {
                        current.remove(key);
                    } else {
                        current.put(key, value);
                    }
                }
            }
            return write(tx, name, current);
        });
    }

    @Override
    public void delete(String name) {
        Identifiers.validate(name);
        store.update(tx -> {
            Key ns = MetadataLayout.namespace(name);
            if (!tx.existsUnder(ns)) {
                throw ContainerjException.notFound("namespace %s: not found", quote(name));
            }
            List<String> held = contents(tx, name);
            if (!held.isEmpty()) {
                throw ContainerjException.failedPrecondition("namespace %s must be empty, but it still has %s",
                        quote(name), String.join(", ", held));
            }
            tx.deleteAll(ns);
            return null;
        });
    }

    /**
     * What keeps the namespace from being deleted, as containerd checks it: images,
     * blobs, containers, snapshots on "x" snapshotter. Anything else under the namespace
     * (leases, content ingests, sandboxes) goes with it, as containerd drops the
     * namespace's bucket whole.
     */
    private static List<String> contents(ReadTransaction tx, String name) {
        List<String> held = new ArrayList<>();
        Key ns = MetadataLayout.namespace(name);
        List<String> buckets = tx.children(ns);
        if (buckets.contains(IMAGES)) {
            held.add("images");
        }
        if (buckets.contains(CONTENT) && tx.existsUnder(ns.child(CONTENT, BLOB))) {
            held.add("blobs");
        }
        if (buckets.contains(CONTAINERS)) {
            held.add("containers");
        }
        if (buckets.contains(SNAPSHOTS)) {
            for (String snapshotter : tx.children(ns.child(SNAPSHOTS))) {
                held.add("snapshots on " + quote(snapshotter) + " snapshotter");
            }
        }
        return held;
    }

    private static SortedMap<String, String> labels(ReadTransaction tx, String name) {
        return LabelsCodec.decode(tx.get(MetadataLayout.namespaceLabels(name)).orElse(new byte[0]));
    }

    private static Namespace write(WriteTransaction tx, String name, Map<String, String> labels) {
        tx.put(MetadataLayout.namespaceLabels(name), LabelsCodec.encode(labels));
        return new Namespace(name, labels);
    }

    /**
     * Checks every label and copies those with a value. containerd's store alone would keep
     * an empty value on Create, but its namespaces service follows Create with SetLabel for
     * each label, which removes an empty one: clients never see one, on Create or Update.
     */
    private static Map<String, String> validLabels(Map<String, String> labels) {
        if (labels == null) {
            return Map.of();
        }
        Map<String, String> copy = new HashMap<>();
        for (Map.Entry<String, String> e : labels.entrySet()) {
            validLabel(e.getKey(), e.getValue());
            String value = e.getValue() == null ? "" : e.getValue();
            if (!value.isEmpty()) {
                copy.put(e.getKey(), value);
            }
        }
        return copy;
    }

    private static void validLabel(String key, String value) {
        try {
            Labels.validate(key, value);
        } catch (ContainerjException e) {
            throw new ContainerjException(e.kind(), "namespace.Labels: " + e.getMessage(), e);
        }
    }

    private static String quote(String s) {
        return "\"" + s + "\"";
    }
}
