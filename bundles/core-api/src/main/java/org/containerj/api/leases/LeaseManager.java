package org.containerj.api.leases;

import java.util.List;
import java.util.Map;

/**
 * Leases of a namespace (containerd's leases.Manager). Ids are containerd identifiers;
 * errors: INVALID_ARGUMENT for a bad id or resource, ALREADY_EXISTS, NOT_FOUND.
 */
public interface LeaseManager {
    /** Creates a lease; an empty id gets a generated one. */
    Lease create(String namespace, String id, Map<String, String> labels);

    void delete(String namespace, String id);

    /** Leases matching containerd's {@code filters} (fields {@code id}, {@code labels.KEY}). */
    List<Lease> list(String namespace, List<String> filters);

    void addResource(String namespace, String id, LeaseResource resource);

    void deleteResource(String namespace, String id, LeaseResource resource);

    List<LeaseResource> listResources(String namespace, String id);
}
