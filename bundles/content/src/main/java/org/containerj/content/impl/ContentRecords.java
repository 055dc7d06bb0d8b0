package org.containerj.content.impl;

import static org.containerj.api.metadata.MetadataLayout.BLOB;
import static org.containerj.api.metadata.MetadataLayout.CONTENT;
import static org.containerj.api.metadata.MetadataLayout.INGESTS;
import static org.containerj.api.metadata.MetadataLayout.LEASES;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;

import org.containerj.api.content.ContentInfo;
import org.containerj.api.content.Digest;
import org.containerj.api.errdefs.ContainerjException;
import org.containerj.api.metadata.Key;
import org.containerj.api.metadata.MetadataLayout;
import org.containerj.proto.services.content.v1.Info;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Timestamp;

/**
 * How the namespaced content store keeps its records in the metadata store, after
 * containerd's bbolt buckets (the garbage collector reads the same keys):
 * <pre>
 * v1/&lt;ns&gt;/content/blob/&lt;digest&gt;                  the blob as the namespace sees it: a
 *                                                 containerd.services.content.v1.Info message
 *                                                 (size, created_at, updated_at, labels; no digest)
 * v1/&lt;ns&gt;/content/ingests/&lt;ref&gt;/ref               ingest: the ref of its ingest in the store
 *                                                 underneath (UTF-8), {@code <ns>/<n>/<ref>}
 * v1/&lt;ns&gt;/content/ingests/&lt;ref&gt;/expected          (shared content only) the digest of the blob,
 *                                                 already underneath, that the ingest stands for
 * v1/&lt;ns&gt;/content/ingests/&lt;ref&gt;/expireat          (ingests held by no lease) when garbage
 *                                                 collection may abort it, RFC 3339
 * v1/&lt;ns&gt;/leases/&lt;lease&gt;/content/&lt;digest&gt;         a lease holds a blob (empty value)
 * v1/&lt;ns&gt;/leases/&lt;lease&gt;/ingests/&lt;ref&gt;           a lease holds an ingest (empty value)
 * </pre>
 */
final class ContentRecords {
    static final String INGEST_REF = "ref";
    static final String INGEST_EXPECTED = "expected";
    static final String INGEST_EXPIRE_AT = "expireat";
    static final byte[] EMPTY = new byte[0];

    private ContentRecords() {
    }

    static Key blobs(String namespace) {
        return MetadataLayout.bucket(namespace, CONTENT, BLOB);
    }

    static Key blob(String namespace, Digest digest) {
        return MetadataLayout.bucket(namespace, CONTENT, BLOB, digest.toString());
    }

    static Key ingests(String namespace) {
        return MetadataLayout.bucket(namespace, CONTENT, INGESTS);
    }

    static Key ingest(String namespace, String ref) {
        return MetadataLayout.bucket(namespace, CONTENT, INGESTS, ref);
    }

    static Key lease(String namespace, String lease) {
        return MetadataLayout.bucket(namespace, LEASES, lease);
    }

    static byte[] encodeBlob(ContentInfo info) {
        return Info.newBuilder()
                .setSize(info.size())
                .setCreatedAt(timestamp(info.createdAt()))
                .setUpdatedAt(timestamp(info.updatedAt()))
                .putAllLabels(info.labels())
                .build().toByteArray();
    }

    static ContentInfo decodeBlob(Digest digest, byte[] value) {
        try {
            Info info = Info.parseFrom(value);
            return new ContentInfo(digest, info.getSize(), instant(info.getCreatedAt()), instant(info.getUpdatedAt()),
                    info.getLabelsMap());
        } catch (InvalidProtocolBufferException e) {
            throw ContainerjException.internal("content " + digest + ": damaged record", e);
        }
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static String utf8(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }

    private static Timestamp timestamp(Instant t) {
        return Timestamp.newBuilder().setSeconds(t.getEpochSecond()).setNanos(t.getNano()).build();
    }

    private static Instant instant(Timestamp t) {
        return Instant.ofEpochSecond(t.getSeconds(), t.getNanos());
    }

    /** Labels as containerd stores them: a label set to the empty string is no label. */
    static Map<String, String> withoutEmpty(Map<String, String> labels) {
        if (labels.values().stream().noneMatch(String::isEmpty)) {
            return labels;
        }
        Map<String, String> kept = new java.util.HashMap<>(labels);
        kept.values().removeIf(String::isEmpty);
        return kept;
    }
}
