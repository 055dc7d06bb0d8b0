package org.containerj.tasks.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

import org.containerj.api.containers.TypedValue;
import org.containerj.api.content.ContentInfo;
import org.containerj.api.content.ContentStore;
import org.containerj.api.content.ContentWriter;
import org.containerj.api.content.Digest;
import org.containerj.api.content.IngestStatus;
import org.containerj.proto.types.Descriptor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.google.protobuf.Any;

/** The checkpoint archive is a plain ustar of the runtime's image directory. */
class CheckpointImageTest {
    @TempDir
    Path dir;

    @Test
    void filesAndDirectoriesWithRelativeNames() throws Exception {
        Files.writeString(dir.resolve("inventory.img"), "criu");
        Files.createDirectories(dir.resolve("sub"));
        Files.write(dir.resolve("sub/pages-1.img"), new byte[1000]);
        byte[] tar = CheckpointImage.tar(dir);
        assertEquals(0, tar.length % 512);
        List<String> names = new ArrayList<>();
        List<Long> sizes = new ArrayList<>();
        ByteArrayInputStream in = new ByteArrayInputStream(tar);
        byte[] h = new byte[512];
        while (in.readNBytes(h, 0, 512) == 512 && h[0] != 0) {
            String name = new String(h, 0, 100, StandardCharsets.US_ASCII).replace("\0", "");
            long size = Long.parseLong(new String(h, 124, 11, StandardCharsets.US_ASCII), 8);
            assertEquals("ustar", new String(h, 257, 5, StandardCharsets.US_ASCII));
            int sum = 0;
            for (int i = 0; i < 512; i++) {
                sum += i >= 148 && i < 156 ? ' ' : h[i] & 0xff;
            }
            assertEquals(sum, Integer.parseInt(new String(h, 148, 6, StandardCharsets.US_ASCII), 8), name);
            names.add(name + (h[156] == '5' ? "(dir)" : ""));
            sizes.add(size);
            in.skipNBytes((size + 511) / 512 * 512);
        }
        assertEquals(List.of("inventory.img", "sub/(dir)", "sub/pages-1.img"), names);
        assertEquals(List.of(4L, 0L, 1000L), sizes);
    }

    /** Committed blobs by digest; only writing is needed here. */
    private final Map<String, byte[]> blobs = new LinkedHashMap<>();

    private final ContentStore store = new ContentStore() {
        @Override
        public ContentWriter writer(String ref, long total, Digest expected, Map<String, String> labels) {
            return new ContentWriter() {
                private final java.io.ByteArrayOutputStream data = new java.io.ByteArrayOutputStream();

                @Override
                public void write(ByteBuffer b) {
                    byte[] a = new byte[b.remaining()];
                    b.get(a);
                    data.writeBytes(a);
                }

                @Override
                public IngestStatus status() {
                    throw new UnsupportedOperationException();
                }

                @Override
                public Digest digest() {
                    try {
                        return Digest.parse("sha256:" + HexFormat.of().formatHex(
                                MessageDigest.getInstance("SHA-256").digest(data.toByteArray())));
                    } catch (java.security.NoSuchAlgorithmException e) {
                        throw new AssertionError(e);
                    }
                }

                @Override
                public void truncate(long offset) {
                    data.reset();
                }

                @Override
                public void commit(long size, Digest expectedDigest, Map<String, String> l) {
                    assertEquals(size, data.size());
                    blobs.put(digest().toString(), data.toByteArray());
                }

                @Override
                public void close() {
                }
            };
        }

        @Override
        public ContentInfo info(Digest digest) {
            throw new UnsupportedOperationException();
        }

        @Override
        public ContentInfo update(ContentInfo info, Set<String> fieldPaths) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void walk(List<String> filters, Consumer<ContentInfo> visitor) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void delete(Digest digest) {
            throw new UnsupportedOperationException();
        }

        @Override
        public SeekableByteChannel reader(Digest digest) {
            throw new UnsupportedOperationException();
        }

        @Override
        public IngestStatus status(String ref) {
            throw new UnsupportedOperationException();
        }

        @Override
        public List<IngestStatus> listStatuses(List<String> filters) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void abort(String ref) {
            throw new UnsupportedOperationException();
        }
    };

    @Test
    void theArchiveAndTheSpecAsContainerdsTwoDescriptors() throws Exception {
        Files.writeString(dir.resolve("core-1.img"), "pages");
        byte[] spec = "{\"ociVersion\":\"1.0.2\"}".getBytes(StandardCharsets.UTF_8);
        List<Descriptor> d = CheckpointImage.store(store, "cp-1", dir,
                new TypedValue("types.containerd.io/opencontainers/runtime-spec/1/Spec", spec));
        assertEquals(2, d.size());
        assertEquals("application/vnd.containerd.container.criu.checkpoint.criu.tar", d.get(0).getMediaType());
        assertEquals("application/vnd.containerd.container.checkpoint.config.v1+proto", d.get(1).getMediaType());
        byte[] tar = blobs.get(d.get(0).getDigest());
        assertEquals(d.get(0).getSize(), tar.length);
        assertEquals("core-1.img", new String(tar, 0, 10, StandardCharsets.US_ASCII));
        Any any = Any.parseFrom(blobs.get(d.get(1).getDigest()));
        assertEquals("types.containerd.io/opencontainers/runtime-spec/1/Spec", any.getTypeUrl());
        assertEquals(new String(spec, StandardCharsets.UTF_8), any.getValue().toStringUtf8());
    }
}
