package org.containerj.filters;

import java.util.List;
import java.util.Optional;

/**
 * How a filter reads an object: the value at a field path, or empty when the object
 * has no such field (containerd's Adaptor).
 */
@FunctionalInterface
public interface FieldSource {
    Optional<String> field(List<String> path);
}
