package org.containerj.api.leases;

import java.time.Instant;
import java.util.Map;

/** A lease: its id, when it was made, and labels (e.g. {@code containerd.io/gc.expire}). */
public record Lease(String id, Instant createdAt, Map<String, String> labels) {
    /** The label whose RFC 3339 time ends the lease, as containerd's garbage collector reads it. */
    public static final String EXPIRE_LABEL = "containerd.io/gc.expire";

    public Lease {
        labels = Map.copyOf(labels);
    }
}
