package org.containerj.api.diff;

import java.util.List;

import org.containerj.api.content.Descriptor;
import org.containerj.api.mount.Mount;

/** Computes the layer between two mounted trees and writes it to the content store. */
public interface Comparer {
    Descriptor compare(List<Mount> lower, List<Mount> upper, DiffOptions options);
}
