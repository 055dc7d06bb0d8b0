package org.containerj.transfer.impl;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SeekableByteChannel;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import org.containerj.api.content.ContentInfo;
import org.containerj.api.content.ContentStore;
import org.containerj.api.content.ContentWriter;
import org.containerj.api.content.Descriptor;
import org.containerj.api.content.Digest;
import org.containerj.api.errdefs.ContainerjException;
import org.containerj.api.errdefs.ErrorKind;

/** Small reads and writes of whole blobs, and label updates, on a content store view. */
final class ContentBlobs {
    /** Manifests, indexes and configs larger than this are refused (containerd refuses over 4 MiB manifests). */
    static final int MAX_JSON = 8 * 1024 * 1024;

    private ContentBlobs() {
    }

    /** The whole blob; INVALID_ARGUMENT when it is larger than a metadata document may be. */
    static byte[] read(ContentStore content, Descriptor d) {
        try (SeekableByteChannel ch = content.reader(d.digest())) {
            long size = ch.size();
            if (size > MAX_JSON) {
                throw ContainerjException.invalidArgument("%s %s is %d bytes, more than the %d a manifest may have",
                        d.mediaType(), d.digest(), size, MAX_JSON);
            }
            ByteBuffer b = ByteBuffer.allocate((int) size);
            while (b.hasRemaining()) {
                if (ch.read(b) < 0) {
                    break;
                }
            }
            return b.array();
        } catch (IOException e) {
            throw Errors.of(e, ErrorKind.UNKNOWN, "reading " + d.digest());
        }
    }

    static InputStream open(ContentStore content, Digest digest) {
        return Channels.newInputStream(content.reader(digest));
    }

    /** Writes {@code data} as a blob (ALREADY_EXISTS is fine); returns its descriptor. */
    static Descriptor write(ContentStore content, String mediaType, byte[] data, String ref) {
        Digest digest = Digests.sha256(data);
        Descriptor d = new Descriptor(mediaType, digest, data.length);
        try (ContentWriter w = content.writer(ref + digest, data.length, digest, Map.of())) {
            w.truncate(0);
            w.write(ByteBuffer.wrap(data));
            w.commit(data.length, digest, Map.of());
        } catch (ContainerjException e) {
            if (e.kind() != ErrorKind.ALREADY_EXISTS) {
                throw e;
            }
        }
        return d;
    }

    /** Sets {@code labels} on the blob, leaving its other labels. */
    static void label(ContentStore content, Digest digest, Map<String, String> labels) {
        if (labels.isEmpty()) {
            return;
        }
        Set<String> paths = labels.keySet().stream().map(k -> "labels." + k).collect(Collectors.toSet());
        content.update(new ContentInfo(digest, 0, null, null, labels), paths);
    }
}
