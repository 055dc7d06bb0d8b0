package org.containerj.api.diff;

import java.util.List;
import java.util.Map;

import org.containerj.api.content.Descriptor;
import org.containerj.api.mount.Mount;

/**
 * Applies a layer from the content store onto mounts (containerd's diff.Applier).
 * Implementations are plugins of type {@code io.containerd.differ.v1}. No tar entry may
 * write outside the mounted root, whatever the layer says.
 */
public interface Applier {

    /**
     * A payload key (any value): the target's lower layers are not the layer's real parents
     * (an unpack that applies layers in parallel and rebases them later), so a directory the
     * layer only creates implicitly, whose attributes would come from the lower layers, must
     * fail the apply (FAILED_PRECONDITION) instead of being made with defaults.
     */
    String PAYLOAD_DETACHED_PARENTS = "containerj.diff.detached-parents";

    /**
     * Applies {@code layer}, read from the content of {@code namespace}, onto
     * {@code mounts} and returns the descriptor of what was applied: the uncompressed
     * layer's media type, digest (the diffID) and size. {@code payloads} carry stream
     * processor options by media type. NOT_IMPLEMENTED for a media type the differ cannot
     * read; INVALID_ARGUMENT for a malformed layer or an entry that would escape the root,
     * in which case what was already written stays (the caller discards the snapshot).
     */
    Descriptor apply(String namespace, Descriptor layer, List<Mount> mounts, Map<String, byte[]> payloads);

    /** As {@link #apply(String, Descriptor, List, Map)}, syncing the filesystem before returning when {@code syncFs}. */
    default Descriptor apply(String namespace, Descriptor layer, List<Mount> mounts, Map<String, byte[]> payloads,
            boolean syncFs) {
        return apply(namespace, layer, mounts, payloads);
    }
}
