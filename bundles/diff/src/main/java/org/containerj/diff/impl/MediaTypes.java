package org.containerj.diff.impl;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

import org.containerj.api.errdefs.ContainerjException;

import io.airlift.compress.zstd.ZstdInputStream;
import io.airlift.compress.zstd.ZstdOutputStream;

/** The layer media types the walking differ reads and writes, and their compression. */
public final class MediaTypes {
    public static final String OCI_LAYER = "application/vnd.oci.image.layer.v1.tar";
    public static final String OCI_LAYER_GZIP = OCI_LAYER + "+gzip";
    public static final String OCI_LAYER_ZSTD = OCI_LAYER + "+zstd";
    public static final String OCI_NONDISTRIBUTABLE = "application/vnd.oci.image.layer.nondistributable.v1.tar";
    public static final String DOCKER_LAYER = "application/vnd.docker.image.rootfs.diff.tar";
    public static final String DOCKER_LAYER_GZIP = DOCKER_LAYER + ".gzip";
    public static final String DOCKER_FOREIGN_GZIP = "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip";

    /** How a layer blob is compressed. */
    public enum Compression {
        NONE, GZIP, ZSTD
    }

    private MediaTypes() {
    }

    /** NOT_IMPLEMENTED, as containerd's "no processor for media-type", for anything else than a layer tar. */
    public static Compression compressionOf(String mediaType) {
        return switch (mediaType) {
            case OCI_LAYER, OCI_NONDISTRIBUTABLE, DOCKER_LAYER -> Compression.NONE;
            case OCI_LAYER_GZIP, OCI_NONDISTRIBUTABLE + "+gzip", DOCKER_LAYER_GZIP, DOCKER_FOREIGN_GZIP ->
                Compression.GZIP;
            case OCI_LAYER_ZSTD, OCI_NONDISTRIBUTABLE + "+zstd" -> Compression.ZSTD;
            default -> throw ContainerjException.notImplemented(
                    "failed to get stream processor for %s: no processor for media-type", mediaType);
        };
    }

    /** The uncompressed stream of a blob of the given compression. */
    public static InputStream decompress(InputStream in, Compression compression) throws IOException {
        return switch (compression) {
            case NONE -> in;
            case GZIP -> new GZIPInputStream(in, 64 * 1024);
            case ZSTD -> new ZstdInputStream(in);
        };
    }

    /** A stream compressing into {@code out}; closing it finishes the compressed stream and closes {@code out}. */
    public static OutputStream compress(OutputStream out, Compression compression) throws IOException {
        return switch (compression) {
            case NONE -> out;
            case GZIP -> new GZIPOutputStream(out, 64 * 1024);
            case ZSTD -> new ZstdOutputStream(out);
        };
    }
}
