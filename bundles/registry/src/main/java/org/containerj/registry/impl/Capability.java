package org.containerj.registry.impl;

import java.util.EnumSet;
import java.util.Set;

/** What a registry host may be used for, as hosts.toml's {@code capabilities} names it. */
enum Capability {
    /** Fetch content by digest. */
    PULL,
    /** Resolve a tag to a digest: only the hosts trusted with names. */
    RESOLVE,
    /** Push content and manifests. */
    PUSH;

    static final Set<Capability> ALL = EnumSet.allOf(Capability.class);

    /** The capability for a hosts.toml name (any case); null when unknown. */
    static Capability named(String name) {
        return switch (name.toLowerCase(java.util.Locale.ROOT)) {
            case "pull" -> PULL;
            case "resolve" -> RESOLVE;
            case "push" -> PUSH;
            default -> null;
        };
    }
}
