package org.containerj.gc.impl;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.Supplier;

import org.containerj.api.content.ContentStore;
import org.containerj.api.content.Digest;
import org.containerj.api.content.NamespacedContentStore;
import org.containerj.api.errdefs.ContainerjException;
import org.containerj.api.errdefs.ErrorKind;
import org.containerj.api.gc.ResourceCollector;
import org.containerj.api.gc.ResourceRef;
import org.containerj.api.metadata.Entry;
import org.containerj.api.metadata.Key;
import org.containerj.api.metadata.MetadataLayout;
import org.containerj.api.metadata.ReadTransaction;
import org.containerj.api.metadata.WriteTransaction;
import org.containerj.proto.services.content.v1.Info;
import org.tinylog.Logger;

import com.google.protobuf.InvalidProtocolBufferException;

/**
 * Collects content ({@code content}: blob records, by digest) and ingests
 * ({@code ingests}: by ref), laid out as the content bundle keeps them (see its README).
 * Roots: blobs labelled {@code containerd.io/gc.root}, ingests whose {@code expireat}
 * has not passed. A blob references what its {@code containerd.io/gc.ref.*} labels name;
 * an ingest standing for shared content references that blob. After a sweep, blobs no
 * namespace has any more are removed underneath (through the namespaced content store,
 * which excludes concurrent commits), and swept ingests are aborted underneath.
 */
public final class ContentCollector implements ResourceCollector {
    static final String CONTENT = "content";
    static final String INGESTS = "ingests";

    private final Supplier<NamespacedContentStore> content;
    private final Supplier<ContentStore> backend;
    /** Backend refs of the ingests swept by the last transaction (a re-run transaction overwrites them). */
    private final Map<ResourceRef, String> sweptIngests = new ConcurrentHashMap<>();

    public ContentCollector(Supplier<NamespacedContentStore> content,
            Supplier<ContentStore> backend) {
        this.content = content;
        this.backend = backend;
    }

    @Override
    public Set<String> types() {
        return Set.of(CONTENT, INGESTS);
    }

    private static Key blobs(String ns) {
        return MetadataLayout.bucket(ns, MetadataLayout.CONTENT, MetadataLayout.BLOB);
    }

    private static Key ingests(String ns) {
        return MetadataLayout.bucket(ns, MetadataLayout.CONTENT, MetadataLayout.INGESTS);
    }

    @Override
    public void roots(ReadTransaction tx, String namespace, Instant now, Consumer<ResourceRef> out) {
        Key blobs = blobs(namespace);
        tx.forEach(blobs, e -> {
            if (e.key().size() == blobs.size() + 1 && labels(e.value()).containsKey(ResourceRef.ROOT_LABEL)) {
                out.accept(new ResourceRef(namespace, CONTENT, e.key().last()));
            }
            return true;
        });
        Key ingests = ingests(namespace);
        for (String ref : tx.children(ingests)) {
            Optional<Instant> expireAt = tx.get(ingests.child(ref, "expireat"))
                    .flatMap(v -> MetadataCollector.parseTime(utf8(v)));
            if (expireAt.isPresent() && expireAt.get().isAfter(now)) {
                out.accept(new ResourceRef(namespace, INGESTS, ref));
            }
        }
    }

    @Override
    public void references(ReadTransaction tx, ResourceRef node, Consumer<ResourceRef> out) {
        if (node.type().equals(CONTENT)) {
            if (MetadataCollector.digest(node.id()).isEmpty()) {
                return;
            }
            tx.get(blobs(node.namespace()).child(node.id()))
                    .ifPresent(v -> ResourceRef.referencedBy(node.namespace(), labels(v), out));
        } else if (node.type().equals(INGESTS)) {
            tx.get(ingests(node.namespace()).child(node.id(), "expected"))
                    .ifPresent(v -> out.accept(new ResourceRef(node.namespace(), CONTENT, utf8(v))));
        }
    }

    @Override
    public List<ResourceRef> sweep(WriteTransaction tx, String namespace, Set<ResourceRef> reachable) {
        List<ResourceRef> removed = new ArrayList<>();
        Key blobs = blobs(namespace);
        List<Key> doomed = new ArrayList<>();
        for (Entry e : tx.scan(blobs)) {
            if (e.key().size() == blobs.size() + 1) {
                ResourceRef ref = new ResourceRef(namespace, CONTENT, e.key().last());
                if (!reachable.contains(ref)) {
                    doomed.add(e.key());
                    removed.add(ref);
                }
            }
        }
        Key ingests = ingests(namespace);
        for (String ref : tx.children(ingests)) {
            ResourceRef node = new ResourceRef(namespace, INGESTS, ref);
            if (!reachable.contains(node)) {
                boolean shared = tx.exists(ingests.child(ref, "expected"));
                Optional<String> backendRef = tx.get(ingests.child(ref, "ref")).map(ContentCollector::utf8);
                if (!shared && backendRef.isPresent()) {
                    sweptIngests.put(node, backendRef.get());
                } else {
                    sweptIngests.remove(node);
                }
                doomed.add(ingests.child(ref));
                removed.add(node);
            }
        }
        for (Key key : doomed) {
            tx.deleteAll(key);
        }
        return removed;
    }

    @Override
    public void removed(List<ResourceRef> removed) {
        List<Digest> digests = new ArrayList<>();
        for (ResourceRef r : removed) {
            if (r.type().equals(CONTENT)) {
                MetadataCollector.digest(r.id()).ifPresent(digests::add);
            } else if (r.type().equals(INGESTS)) {
                String backendRef = sweptIngests.remove(r);
                ContentStore local = backend.get();
                if (backendRef != null && local != null) {
                    try {
                        local.abort(backendRef);
                    } catch (ContainerjException e) {
                        if (e.kind() != ErrorKind.NOT_FOUND) {
                            Logger.warn("garbage collection: ingest {} not aborted: {}", backendRef, e.getMessage());
                        }
                    }
                }
            }
        }
        NamespacedContentStore namespaced = content.get();
        if (!digests.isEmpty() && namespaced != null) {
            namespaced.removeUnreferenced(digests);
        }
    }

    private static Map<String, String> labels(byte[] blobRecord) {
        try {
            return Info.parseFrom(blobRecord).getLabelsMap();
        } catch (InvalidProtocolBufferException e) {
            return Map.of();
        }
    }

    private static String utf8(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }
}
