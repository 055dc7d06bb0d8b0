package org.containerj.gc.impl;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Supplier;

import org.containerj.api.content.Digest;
import org.containerj.api.errdefs.ContainerjException;
import org.containerj.api.gc.CollectionResult;
import org.containerj.api.gc.ResourceCollector;
import org.containerj.api.gc.ResourceRef;
import org.containerj.api.leases.Lease;
import org.containerj.api.metadata.Entry;
import org.containerj.api.metadata.Key;
import org.containerj.api.metadata.MetadataLayout;
import org.containerj.api.metadata.MetadataStore;
import org.containerj.api.metadata.ReadTransaction;
import org.containerj.api.metadata.WriteTransaction;
import org.tinylog.Logger;

import com.google.protobuf.InvalidProtocolBufferException;

/**
 * One mark-and-sweep collection of the metadata store, in a single write transaction as
 * containerd does it. Roots are images (they reference their target blob and what their
 * labels reference), containers (they reference their snapshot and what their labels
 * reference; not their image, which is a root of its own), unexpired leases (they
 * reference what they hold) and whatever the {@link ResourceCollector}s name as roots. Expired leases are deleted; each collector
 * sweeps the records of its types that were not reached, then removes what backed them
 * once the transaction committed. Resources of a type no collector owns are never swept.
 */
public final class MetadataCollector {
    static final String IMAGES = "images";
    static final String LEASES = "leases";
    static final String CONTAINERS = "containers";
    /** The lease record's key below {@code v1/<ns>/leases/<id>} (as the leases bundle stores it). */
    private static final String LEASE_RECORD = "record";

    private final MetadataStore store;
    private final Supplier<List<ResourceCollector>> collectors;

    public MetadataCollector(MetadataStore store, Supplier<List<ResourceCollector>> collectors) {
        this.store = store;
        this.collectors = collectors;
    }

    public CollectionResult collect() {
        long start = System.nanoTime();
        List<ResourceCollector> all = List.copyOf(collectors.get());
        Map<String, ResourceCollector> byType = new HashMap<>();
        for (ResourceCollector c : all) {
            c.types().forEach(t -> byType.putIfAbsent(t, c));
        }
        List<ResourceRef> removed = store.update(tx -> markAndSweep(tx, all, byType, Instant.now()));
        Duration held = Duration.ofNanos(System.nanoTime() - start);
        for (ResourceCollector c : all) {
            List<ResourceRef> mine = removed.stream().filter(r -> c.types().contains(r.type())).toList();
            if (!mine.isEmpty()) {
                try {
                    c.removed(mine);
                } catch (RuntimeException e) {
                    Logger.warn(e, "garbage collection: removing what backed {} resources failed", mine.size());
                }
            }
        }
        if (!removed.isEmpty()) {
            Logger.debug("garbage collection removed {} in {} ms", removed, held.toMillis());
        }
        return new CollectionResult(removed, Duration.ofNanos(System.nanoTime() - start));
    }

    private static List<ResourceRef> markAndSweep(WriteTransaction tx, List<ResourceCollector> all,
            Map<String, ResourceCollector> byType, Instant now) {
        Set<ResourceRef> reachable = new HashSet<>();
        Deque<ResourceRef> work = new ArrayDeque<>();
        Consumer<ResourceRef> reach = r -> {
            if (reachable.add(r)) {
                work.add(r);
            }
        };
        List<ResourceRef> expiredLeases = new ArrayList<>();
        List<String> namespaces = tx.children(MetadataLayout.NAMESPACES);
        for (String ns : namespaces) {
            for (String image : tx.children(MetadataLayout.bucket(ns, MetadataLayout.IMAGES))) {
                reach.accept(new ResourceRef(ns, IMAGES, image));
            }
            for (String container : tx.children(MetadataLayout.bucket(ns, MetadataLayout.CONTAINERS))) {
                reach.accept(new ResourceRef(ns, CONTAINERS, container));
            }
            for (String lease : tx.children(MetadataLayout.bucket(ns, MetadataLayout.LEASES))) {
                ResourceRef ref = new ResourceRef(ns, LEASES, lease);
                if (expired(tx, ns, lease, now)) {
                    expiredLeases.add(ref);
                } else {
                    reach.accept(ref);
                }
            }
            for (ResourceCollector c : all) {
                c.roots(tx, ns, now, reach);
            }
        }
        while (!work.isEmpty()) {
            ResourceRef node = work.poll();
            switch (node.type()) {
                case IMAGES -> imageReferences(tx, node, reach);
                case LEASES -> leaseReferences(tx, node, reach);
                case CONTAINERS -> containerReferences(tx, node, reach);
                default -> {
                    ResourceCollector c = byType.get(node.type());
                    if (c != null) {
                        c.references(tx, node, reach);
                    }
                }
            }
        }
        List<ResourceRef> removed = new ArrayList<>();
        for (ResourceRef lease : expiredLeases) {
            tx.deleteAll(MetadataLayout.bucket(lease.namespace(), MetadataLayout.LEASES, lease.id()));
            removed.add(lease);
        }
        for (String ns : namespaces) {
            Set<ResourceRef> inNamespace = new HashSet<>();
            for (ResourceRef r : reachable) {
                if (r.namespace().equals(ns)) {
                    inNamespace.add(r);
                }
            }
            for (ResourceCollector c : all) {
                removed.addAll(c.sweep(tx, ns, inNamespace));
            }
        }
        return removed;
    }

    private static void imageReferences(ReadTransaction tx, ResourceRef image, Consumer<ResourceRef> out) {
        Optional<byte[]> value = tx.get(MetadataLayout.bucket(image.namespace(), MetadataLayout.IMAGES, image.id()));
        if (value.isEmpty()) {
            return;
        }
        try {
            var record = org.containerj.proto.services.images.v1.Image.parseFrom(value.get());
            String digest = record.getTarget().getDigest();
            if (!digest.isEmpty()) {
                out.accept(new ResourceRef(image.namespace(), "content", digest));
            }
            ResourceRef.referencedBy(image.namespace(), record.getLabelsMap(), out);
        } catch (InvalidProtocolBufferException e) {
            Logger.warn("garbage collection: image {} in {} has a damaged record", image.id(), image.namespace());
        }
    }

    /** A container references {@code snapshots/<snapshotter>/<snapshot key>} and what its labels reference. */
    private static void containerReferences(ReadTransaction tx, ResourceRef container, Consumer<ResourceRef> out) {
        Optional<byte[]> value = tx.get(
                MetadataLayout.bucket(container.namespace(), MetadataLayout.CONTAINERS, container.id()));
        if (value.isEmpty()) {
            return;
        }
        try {
            var record = org.containerj.proto.services.containers.v1.Container.parseFrom(value.get());
            if (!record.getSnapshotter().isEmpty() && !record.getSnapshotKey().isEmpty()) {
                out.accept(new ResourceRef(container.namespace(), "snapshots/" + record.getSnapshotter(),
                        record.getSnapshotKey()));
            }
            ResourceRef.referencedBy(container.namespace(), record.getLabelsMap(), out);
        } catch (InvalidProtocolBufferException e) {
            Logger.warn("garbage collection: container {} in {} has a damaged record", container.id(),
                    container.namespace());
        }
    }

    /** A lease holds {@code leases/<id>/content/<digest>}, {@code ingests/<ref>} and {@code snapshots/<name>/<key>}. */
    private static void leaseReferences(ReadTransaction tx, ResourceRef lease, Consumer<ResourceRef> out) {
        Key key = MetadataLayout.bucket(lease.namespace(), MetadataLayout.LEASES, lease.id());
        for (Entry e : tx.scan(key)) {
            List<String> rest = e.key().segments().subList(key.size(), e.key().size());
            if (rest.size() == 2 && (rest.get(0).equals("content") || rest.get(0).equals("ingests"))) {
                out.accept(new ResourceRef(lease.namespace(), rest.get(0), rest.get(1)));
            } else if (rest.size() == 3 && rest.get(0).equals("snapshots")) {
                out.accept(new ResourceRef(lease.namespace(), "snapshots/" + rest.get(1), rest.get(2)));
            }
        }
    }

    private static boolean expired(ReadTransaction tx, String ns, String lease, Instant now) {
        Optional<byte[]> record = tx.get(MetadataLayout.bucket(ns, MetadataLayout.LEASES, lease, LEASE_RECORD));
        if (record.isEmpty()) {
            return false;
        }
        try {
            String expire = org.containerj.proto.services.leases.v1.Lease.parseFrom(record.get()).getLabelsMap()
                    .get(Lease.EXPIRE_LABEL);
            return expire != null && parseTime(expire).map(now::isAfter).orElse(false);
        } catch (InvalidProtocolBufferException e) {
            return false;
        }
    }

    /** RFC 3339 as containerd clients write it; an unreadable time expires nothing. */
    static Optional<Instant> parseTime(String s) {
        try {
            return Optional.of(OffsetDateTime.parse(s).toInstant());
        } catch (DateTimeParseException e) {
            return Optional.empty();
        }
    }

    /** A digest the store can trust, or empty (references to anything else are ignored). */
    static Optional<Digest> digest(String s) {
        try {
            return Optional.of(Digest.parse(s));
        } catch (ContainerjException e) {
            return Optional.empty();
        }
    }
}
