package org.containerj.api.diff;

import java.util.List;
import java.util.Map;

import org.containerj.api.content.Descriptor;
import org.containerj.api.mount.Mount;

/**
 * Applies a layer from the content store onto mounts (containerd's diff.Applier).
 * No tar entry may write outside the mounted root, whatever the layer says.
 */
public interface Applier {
    /**
     * Applies {@code layer} and returns the descriptor of what was applied (the
     * uncompressed digest). {@code payloads} carry stream processor options by media type.
     */
    Descriptor apply(Descriptor layer, List<Mount> mounts, Map<String, byte[]> payloads);
}
