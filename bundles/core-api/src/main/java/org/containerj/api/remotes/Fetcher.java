package org.containerj.api.remotes;

import org.containerj.api.content.Descriptor;

import java.io.InputStream;

/** Reads manifests, indexes, configs and layers of one repository. */
public interface Fetcher {

    /**
     * A stream of the object's bytes starting at {@code offset} (for resuming an ingest).
     * The implementation may fetch large blobs in parallel ranges; the stream delivers
     * them in order. It does not verify the digest (the content store does on commit),
     * but fails with DATA_LOSS when the registry sends fewer or more bytes than
     * {@code descriptor.size()}. NOT_FOUND when the registry does not have it,
     * UNAUTHENTICATED/PERMISSION_DENIED when refused, UNAVAILABLE for a server error,
     * DEADLINE_EXCEEDED when it stalls. Failures while reading the stream are thrown from
     * {@code read} as {@link org.containerj.api.errdefs.ContainerjException} (unchecked,
     * with these kinds); the caller closes the stream, which cancels what is in flight.
     */
    InputStream fetch(Descriptor descriptor, long offset);

    default InputStream fetch(Descriptor descriptor) {
        return fetch(descriptor, 0);
    }
}
