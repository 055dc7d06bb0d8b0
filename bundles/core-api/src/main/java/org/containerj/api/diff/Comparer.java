package org.containerj.api.diff;

import java.util.List;

import org.containerj.api.content.Descriptor;
import org.containerj.api.mount.Mount;

/**
 * Computes the layer between two mounted trees and writes it to the content store
 * (containerd's diff.Comparer). Implementations are plugins of type
 * {@code io.containerd.differ.v1}.
 */
public interface Comparer {
    /**
     * Writes the changes from {@code lower} to {@code upper} as a layer into the content of
     * {@code namespace}, held by {@code lease} (null for none), and returns its descriptor.
     */
    Descriptor compare(String namespace, String lease, List<Mount> lower, List<Mount> upper, DiffOptions options);
}
