package org.containerj.transfer.impl;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

import org.containerj.api.content.ContentStore;
import org.containerj.api.content.Digest;

/** Reads a whole blob of any size, for assertions. */
final class ContentBlobsTestAccess {
    private ContentBlobsTestAccess() {
    }

    static byte[] read(ContentStore content, Digest digest) {
        try (InputStream in = ContentBlobs.open(content, digest)) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
