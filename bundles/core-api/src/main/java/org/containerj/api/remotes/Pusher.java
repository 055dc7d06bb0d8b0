package org.containerj.api.remotes;

import org.containerj.api.content.Descriptor;

import java.io.InputStream;
import java.util.function.Supplier;

/** Writes blobs and manifests into one repository. */
public interface Pusher {

    /** True when the repository already has the blob or manifest. */
    boolean exists(Descriptor descriptor);

    /**
     * Makes the blob present in this repository: by a cross-repository mount from
     * {@code mountFrom} (a repository path on the same host; null for none) when the
     * registry allows it, otherwise by uploading what {@code data} opens. Returns true
     * when it was mounted rather than uploaded.
     */
    boolean pushBlob(Descriptor descriptor, Supplier<InputStream> data, String mountFrom);

    /**
     * Uploads a manifest or index under {@code tagOrDigest}; its media type is the
     * descriptor's. The registry's answer is checked against the descriptor's digest.
     */
    void pushManifest(Descriptor descriptor, byte[] body, String tagOrDigest);
}
