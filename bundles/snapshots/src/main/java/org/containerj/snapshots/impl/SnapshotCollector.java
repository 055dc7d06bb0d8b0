package org.containerj.snapshots.impl;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

import org.containerj.api.errdefs.ContainerjException;
import org.containerj.api.gc.ResourceCollector;
import org.containerj.api.gc.ResourceRef;
import org.containerj.api.metadata.Key;
import org.containerj.api.metadata.MetadataLayout;
import org.containerj.api.metadata.MetadataStore;
import org.containerj.api.metadata.ReadTransaction;
import org.containerj.api.metadata.WriteTransaction;
import org.containerj.api.snapshots.NamespacedSnapshotters;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.tinylog.Logger;

/**
 * Snapshots for the garbage collector, as containerd collects them: resources of type
 * {@code snapshots/<snapshotter>}; roots are snapshots labelled
 * {@code containerd.io/gc.root}; a snapshot references its parent and whatever its
 * {@code containerd.io/gc.ref.*} labels name; what nothing reaches (no root, lease,
 * image, container or content label) loses its record, and once the collection committed
 * the snapshotter's copy is removed and its space reclaimed ({@link MetadataSnapshotters#collect}).
 */
@Component(service = ResourceCollector.class)
public class SnapshotCollector implements ResourceCollector {
    static final String TYPE_PREFIX = "snapshots/";

    private final MetadataStore store;
    private final NamespacedSnapshotters snapshotters;

    @Activate
    public SnapshotCollector(@Reference(name = "metadata") MetadataStore store,
            @Reference(name = "snapshots") NamespacedSnapshotters snapshotters) {
        this.store = store;
        this.snapshotters = snapshotters;
    }

    /** One type per snapshotter that ever held a snapshot. */
    @Override
    public Set<String> types() {
        return store.view(tx -> {
            Set<String> types = new LinkedHashSet<>();
            for (String snapshotter : tx.children(Key.of("snapshotters"))) {
                types.add(TYPE_PREFIX + snapshotter);
            }
            return types;
        });
    }

    @Override
    public void roots(ReadTransaction tx, String namespace, Instant now, Consumer<ResourceRef> out) {
        forEachSnapshot(tx, namespace, (snapshotter, key, record) -> {
            if (record.labels().containsKey(ResourceRef.ROOT_LABEL)) {
                out.accept(new ResourceRef(namespace, TYPE_PREFIX + snapshotter, key));
            }
        });
    }

    @Override
    public void references(ReadTransaction tx, ResourceRef node, Consumer<ResourceRef> out) {
        if (!node.type().startsWith(TYPE_PREFIX)) {
            return;
        }
        String snapshotter = node.type().substring(TYPE_PREFIX.length());
        tx.get(MetadataSnapshotters.recordKey(node.namespace(), snapshotter, node.id())).ifPresent(bytes -> {
            SnapshotRecord record = SnapshotRecord.decode(node.id(), bytes);
            if (!record.parent().isEmpty()) {
                out.accept(new ResourceRef(node.namespace(), node.type(), record.parent()));
            }
            ResourceRef.referencedBy(node.namespace(), record.labels(), out);
        });
    }

    @Override
    public List<ResourceRef> sweep(WriteTransaction tx, String namespace, Set<ResourceRef> reachable) {
        List<Unreached> doomed = new ArrayList<>();
        forEachSnapshot(tx, namespace, (snapshotter, key, record) -> {
            ResourceRef ref = new ResourceRef(namespace, TYPE_PREFIX + snapshotter, key);
            if (!reachable.contains(ref)) {
                doomed.add(new Unreached(ref, snapshotter, record));
            }
        });
        List<ResourceRef> removed = new ArrayList<>();
        for (Unreached d : doomed) {
            if (!d.record().parent().isEmpty()) {
                tx.delete(MetadataSnapshotters.childKey(namespace, d.snapshotter(), d.record().parent(), d.ref().id()));
            }
            tx.deleteAll(MetadataSnapshotters.recordKey(namespace, d.snapshotter(), d.ref().id()));
            removed.add(d.ref());
        }
        return removed;
    }

    /** Removes the snapshotters' copies of what was swept, and lets them reclaim the space. */
    @Override
    public void removed(List<ResourceRef> removed) {
        Set<String> done = new LinkedHashSet<>();
        for (ResourceRef r : removed) {
            if (!r.type().startsWith(TYPE_PREFIX)) {
                continue;
            }
            String snapshotter = r.type().substring(TYPE_PREFIX.length());
            if (!done.add(snapshotter)) {
                continue;
            }
            try {
                snapshotters.forNamespace(snapshotter, r.namespace()).cleanup();
            } catch (ContainerjException e) {
                Logger.tag("snapshots").warn("garbage collection: snapshots removed from {} stay underneath for now: {}",
                        snapshotter, e.getMessage());
            }
        }
    }

    private record Unreached(ResourceRef ref, String snapshotter, SnapshotRecord record) {
    }

    @FunctionalInterface
    private interface SnapshotVisitor {
        void visit(String snapshotter, String key, SnapshotRecord record);
    }

    private static void forEachSnapshot(ReadTransaction tx, String namespace, SnapshotVisitor visitor) {
        Key snapshots = MetadataLayout.bucket(namespace, MetadataLayout.SNAPSHOTS);
        for (String snapshotter : tx.children(snapshots)) {
            Key bucket = snapshots.child(snapshotter);
            tx.forEach(bucket, e -> {
                if (e.key().size() == bucket.size() + 1) {
                    visitor.visit(snapshotter, e.key().last(), SnapshotRecord.decode(e.key().last(), e.value()));
                }
                return true;
            });
        }
    }
}
