package org.containerj.tasks.grpc;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.containerj.api.containers.TypedValue;
import org.containerj.api.content.ContentStore;
import org.containerj.api.content.ContentWriter;
import org.containerj.api.errdefs.ContainerjException;
import org.containerj.api.errdefs.ErrorKind;
import org.containerj.proto.types.Descriptor;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;

/**
 * A checkpoint written to the content store as containerd's Tasks service writes it: the
 * runtime's checkpoint directory (CRIU's image files) as an uncompressed tar, and the
 * container's spec as a protobuf {@code Any}; the client builds its checkpoint image from
 * the two descriptors.
 */
final class CheckpointImage {
    static final String CHECKPOINT = "application/vnd.containerd.container.criu.checkpoint.criu.tar";
    static final String CONFIG = "application/vnd.containerd.container.checkpoint.config.v1+proto";
    private static final int CHUNK = 64 * 1024;

    private CheckpointImage() {
    }

    static List<Descriptor> store(ContentStore content, String ref, Path image, TypedValue spec) {
        byte[] specAny = Any.newBuilder().setTypeUrl(spec == null ? "" : spec.typeUrl())
                .setValue(ByteString.copyFrom(spec == null ? new byte[0] : spec.value())).build().toByteArray();
        Path tar = null;
        try {
            tar = Files.createTempFile("containerj-checkpoint-", ".tar");
            try (OutputStream out = Files.newOutputStream(tar)) {
                tar(image, out);
            }
            Descriptor cp;
            try (InputStream in = Files.newInputStream(tar)) {
                cp = write(content, ref + "/checkpoint", CHECKPOINT, in);
            }
            Descriptor config = write(content, ref + "/spec", CONFIG, new java.io.ByteArrayInputStream(specAny));
            return List.of(cp, config);
        } catch (IOException e) {
            throw new ContainerjException(ErrorKind.UNKNOWN, "checkpoint: " + e.getMessage(), e);
        } finally {
            if (tar != null) {
                try {
                    Files.deleteIfExists(tar);
                } catch (IOException ignored) {
                    // a temporary file
                }
            }
        }
    }

    private static Descriptor write(ContentStore content, String ref, String mediaType, InputStream in)
            throws IOException {
        long size = 0;
        try (ContentWriter w = content.writer(ref, 0, null, Map.of())) {
            w.truncate(0);
            byte[] buf = new byte[CHUNK];
            for (int n; (n = in.read(buf)) > 0;) {
                w.write(ByteBuffer.wrap(buf, 0, n));
                size += n;
            }
            String digest = w.digest().toString();
            try {
                w.commit(size, null, Map.of());
            } catch (ContainerjException e) {
                if (e.kind() != ErrorKind.ALREADY_EXISTS) {
                    throw e;
                }
            }
            return Descriptor.newBuilder().setMediaType(mediaType).setDigest(digest).setSize(size).build();
        }
    }

    /** A ustar archive of the directory's files and subdirectories, relative paths, owned by root. */
    static void tar(Path dir, OutputStream out) throws IOException {
        List<Path> entries;
        try (Stream<Path> walk = Files.walk(dir)) {
            entries = walk.filter(p -> !p.equals(dir)).sorted().toList();
        }
        for (Path p : entries) {
            String name = dir.relativize(p).toString();
            if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                header(out, name + "/", '5', 0755, 0);
            } else if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
                long size = Files.size(p);
                header(out, name, '0', 0644, size);
                try (InputStream in = Files.newInputStream(p)) {
                    long copied = in.transferTo(out);
                    if (copied != size) {
                        throw new IOException(p + " changed while it was archived");
                    }
                }
                out.write(new byte[(int) ((512 - size % 512) % 512)]);
            }
        }
        out.write(new byte[1024]);
    }

    private static void header(OutputStream out, String name, char type, int mode, long size) throws IOException {
        byte[] h = new byte[512];
        byte[] n = name.getBytes(StandardCharsets.UTF_8);
        if (n.length > 100) {
            // CRIU's image names are short; a long one would need a prefix field split
            throw new IOException("name too long for the checkpoint archive: " + name);
        }
        System.arraycopy(n, 0, h, 0, n.length);
        put(h, 100, String.format("%07o", mode));
        put(h, 108, "0000000");
        put(h, 116, "0000000");
        put(h, 124, String.format("%011o", size));
        put(h, 136, String.format("%011o", System.currentTimeMillis() / 1000));
        h[156] = (byte) type;
        put(h, 257, "ustar");
        put(h, 263, "00");
        for (int i = 148; i < 156; i++) {
            h[i] = ' ';
        }
        int sum = 0;
        for (byte b : h) {
            sum += b & 0xff;
        }
        put(h, 148, String.format("%06o", sum) + "\0 ");
        out.write(h);
    }

    private static void put(byte[] h, int offset, String value) {
        byte[] b = value.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(b, 0, h, offset, b.length);
    }

    /** For tests: the archive of a directory in memory. */
    static byte[] tar(Path dir) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        tar(dir, out);
        return out.toByteArray();
    }
}
