package org.containerj.api.namespaces;

import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.Collections;

/** A namespace and its labels (sorted by key, unmodifiable). */
public record Namespace(String name, Map<String, String> labels) {

    public Namespace {
        Objects.requireNonNull(name, "name");
        labels = Collections.unmodifiableMap(new TreeMap<>(Objects.requireNonNull(labels, "labels")));
    }
}
