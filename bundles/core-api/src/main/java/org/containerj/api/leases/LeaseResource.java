package org.containerj.api.leases;

/**
 * Something a lease holds: type {@code content} (id = digest), {@code ingests}
 * (id = ingest ref) or {@code snapshots/<snapshotter>} (id = snapshot key).
 */
public record LeaseResource(String id, String type) {
}
