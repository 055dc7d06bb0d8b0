package org.containerj.leases.impl;

import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.containerj.api.content.Digest;
import org.containerj.api.errdefs.ContainerjException;
import org.containerj.api.identifiers.Identifiers;
import org.containerj.api.identifiers.Labels;
import org.containerj.api.leases.Lease;
import org.containerj.api.leases.LeaseManager;
import org.containerj.api.leases.LeaseResource;
import org.containerj.api.metadata.Entry;
import org.containerj.api.metadata.Key;
import org.containerj.api.metadata.MetadataLayout;
import org.containerj.api.metadata.MetadataStore;
import org.containerj.api.metadata.ReadTransaction;
import org.containerj.filters.FieldSource;
import org.containerj.filters.Filter;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Timestamp;

/**
 * Leases kept in the metadata store, laid out as containerd keeps them:
 * <pre>
 * v1/&lt;ns&gt;/leases/&lt;id&gt;                         the lease (created time, labels)
 * v1/&lt;ns&gt;/leases/&lt;id&gt;/&lt;type&gt;/&lt;resource&gt;      what it holds; type content, ingests or snapshots/&lt;name&gt;
 * </pre>
 * The garbage collector reads the same keys to keep leased resources.
 */
public final class MetadataLeaseManager implements LeaseManager {
    private static final SecureRandom RANDOM = new SecureRandom();
    /** Marks the lease record itself among its resource keys. */
    private static final String RECORD = "record";

    private final MetadataStore store;

    public MetadataLeaseManager(MetadataStore store) {
        this.store = store;
    }

    static Key leaseKey(String namespace, String id) {
        return MetadataLayout.bucket(namespace, MetadataLayout.LEASES, id);
    }

    @Override
    public Lease create(String namespace, String id, Map<String, String> labels) {
        Identifiers.validate(namespace);
        String leaseId = id == null || id.isEmpty() ? generateId() : validId(id);
        Labels.validate(labels);
        // containerd stores no empty label value
        Lease lease = new Lease(leaseId, Instant.now(), Labels.withoutEmpty(labels));
        return store.update(tx -> {
            if (tx.existsUnder(leaseKey(namespace, leaseId))) {
                throw ContainerjException.alreadyExists("lease %s: already exists", quote(leaseId));
            }
            tx.putIfAbsent(MetadataLayout.namespaceLabels(namespace), new byte[0]);
            tx.put(leaseKey(namespace, leaseId).child(RECORD), encode(lease));
            return lease;
        });
    }

    @Override
    public void delete(String namespace, String id) {
        Identifiers.validate(namespace);
        store.update(tx -> {
            if (tx.deleteAll(leaseKey(namespace, validId(id))) == 0) {
                throw ContainerjException.notFound("lease %s: not found", quote(id));
            }
            return null;
        });
    }

    @Override
    public List<Lease> list(String namespace, List<String> filters) {
        Identifiers.validate(namespace);
        Filter filter = Filter.parse(filters);
        return store.view(tx -> {
            List<Lease> leases = new ArrayList<>();
            for (String id : tx.children(MetadataLayout.bucket(namespace, MetadataLayout.LEASES))) {
                read(tx, namespace, id).filter(l -> filter.matches(fields(l))).ifPresent(leases::add);
            }
            return leases;
        });
    }

    @Override
    public void addResource(String namespace, String id, LeaseResource resource) {
        Identifiers.validate(namespace);
        String leaseId = validId(id);
        store.update(tx -> {
            requireLease(tx, namespace, leaseId);
            tx.put(resourceKey(namespace, leaseId, resource), new byte[0]);
            return null;
        });
    }

    @Override
    public void deleteResource(String namespace, String id, LeaseResource resource) {
        Identifiers.validate(namespace);
        String leaseId = validId(id);
        store.update(tx -> {
            requireLease(tx, namespace, leaseId);
            tx.delete(resourceKey(namespace, leaseId, resource));
            return null;
        });
    }

    @Override
    public List<LeaseResource> listResources(String namespace, String id) {
        Identifiers.validate(namespace);
        Key lease = leaseKey(namespace, validId(id));
        return store.view(tx -> {
            requireLease(tx, namespace, id);
            List<LeaseResource> resources = new ArrayList<>();
            for (Entry e : tx.scan(lease)) {
                List<String> rest = e.key().segments().subList(lease.size(), e.key().size());
                if (rest.size() == 2 && !rest.get(0).equals(RECORD)) {
                    resources.add(new LeaseResource(rest.get(1), rest.get(0)));
                } else if (rest.size() == 3 && rest.get(0).equals("snapshots")) {
                    resources.add(new LeaseResource(rest.get(2), "snapshots/" + rest.get(1)));
                }
            }
            return resources;
        });
    }

    /**
     * containerd accepts content (a digest), ingests (a ref) and snapshots/NAME (a key):
     * a malformed type or id of those is INVALID_ARGUMENT, any other type NOT_IMPLEMENTED.
     * Checked after the lease is found, as containerd does.
     */
    private static Key resourceKey(String namespace, String id, LeaseResource r) {
        Key lease = leaseKey(namespace, id);
        if (r.id() == null || r.id().isEmpty()) {
            throw ContainerjException.invalidArgument("resource id must not be empty");
        }
        String type = r.type() == null ? "" : r.type();
        String[] parts = type.split("/", -1);
        switch (parts[0]) {
            case "content", "ingests" -> {
                if (parts.length != 1) {
                    throw ContainerjException.invalidArgument("invalid resource type %s", type);
                }
                if (parts[0].equals("ingests")) {
                    return lease.child("ingests", r.id());
                }
                try {
                    return lease.child("content", Digest.parse(r.id()).toString());
                } catch (ContainerjException e) {
                    throw ContainerjException.invalidArgument("invalid content resource id %s: %s", r.id(),
                            e.getMessage());
                }
            }
            case "snapshots" -> {
                if (parts.length != 2 || parts[1].isEmpty()) {
                    throw ContainerjException.invalidArgument("invalid snapshot resource type %s", type);
                }
                Identifiers.validate(parts[1]);
                return lease.child("snapshots", parts[1], r.id());
            }
            default -> throw ContainerjException.notImplemented("resource type %s not supported yet", type);
        }
    }

    private static void requireLease(ReadTransaction tx, String namespace, String id) {
        if (!tx.exists(leaseKey(namespace, id).child(RECORD))) {
            throw ContainerjException.notFound("lease %s: not found", quote(id));
        }
    }

    private static Optional<Lease> read(ReadTransaction tx, String namespace, String id) {
        return tx.get(leaseKey(namespace, id).child(RECORD)).map(bytes -> decode(id, bytes));
    }

    /**
     * containerd does not hold lease ids to its identifier rules (ctr's random ids may end
     * in '-'); any id the store can hold as a key segment goes.
     */
    private static String validId(String id) {
        if (id == null || id.isEmpty()) {
            throw ContainerjException.invalidArgument("lease id must not be empty");
        }
        if (id.indexOf('\0') >= 0 || id.length() > 256) {
            throw ContainerjException.invalidArgument("lease id %s is not valid", quote(id));
        }
        return id;
    }

    private static FieldSource fields(Lease lease) {
        return path -> switch (path.get(0)) {
            case "id" -> path.size() == 1 ? Optional.of(lease.id()) : Optional.empty();
            case "labels" -> Optional.ofNullable(lease.labels().get(String.join(".", path.subList(1, path.size()))));
            default -> Optional.empty();
        };
    }

    private static byte[] encode(Lease lease) {
        return org.containerj.proto.services.leases.v1.Lease.newBuilder()
                .setId(lease.id())
                .setCreatedAt(Timestamp.newBuilder().setSeconds(lease.createdAt().getEpochSecond())
                        .setNanos(lease.createdAt().getNano()))
                .putAllLabels(lease.labels())
                .build().toByteArray();
    }

    private static Lease decode(String id, byte[] bytes) {
        try {
            var p = org.containerj.proto.services.leases.v1.Lease.parseFrom(bytes);
            return new Lease(id, Instant.ofEpochSecond(p.getCreatedAt().getSeconds(), p.getCreatedAt().getNanos()),
                    p.getLabelsMap());
        } catch (InvalidProtocolBufferException e) {
            throw ContainerjException.internal("lease " + id + ": damaged record", e);
        }
    }

    /** containerd's generated ids: time-ordered prefix plus randomness. */
    private static String generateId() {
        byte[] random = new byte[4];
        RANDOM.nextBytes(random);
        return System.nanoTime() + "-" + HexFormat.of().formatHex(random);
    }

    private static String quote(String s) {
        return "\"" + s + "\"";
    }
}
