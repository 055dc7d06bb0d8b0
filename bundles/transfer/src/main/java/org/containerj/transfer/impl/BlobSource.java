package org.containerj.transfer.impl;

import java.io.IOException;
import java.io.InputStream;

import org.containerj.api.content.Descriptor;

/** Where the blobs of a walked image come from when the content store lacks them. */
@FunctionalInterface
interface BlobSource {
    /** The blob's bytes from {@code offset} on. */
    InputStream open(Descriptor descriptor, long offset) throws IOException;

    /** For content that must already be in the store (an imported archive): NOT_FOUND. */
    BlobSource NONE = (d, offset) -> {
        throw org.containerj.api.errdefs.ContainerjException.notFound("content digest %s: not found", d.digest());
    };
}
