package org.containerj.itests.support;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;

/**
 * A large image for transfer tests: layers of pseudo-random data (one file each, so
 * nothing compresses and every byte has to travel), written to files once and pushed
 * straight to the registry. The gzip streams use stored blocks: a real gzip layer that
 * costs no compression time on a small machine.
 */
public final class LargeImage {
    public static final String LAYER_TYPE = BusyboxImage.LAYER_TYPE;

    /** One layer: its file, the digest and size of the blob, and the digest of the tar inside (diff id). */
    public record Layer(Path file, String digest, long size, String diffId, String path, long dataSize) {
    }

    public final List<Layer> layers;
    public final byte[] config;
    public final byte[] manifest;
    public final String configDigest;
    public final String manifestDigest;

    private LargeImage(List<Layer> layers) {
        this.layers = List.copyOf(layers);
        StringBuilder diffIds = new StringBuilder();
        StringBuilder descs = new StringBuilder();
        for (Layer l : layers) {
            diffIds.append(diffIds.length() == 0 ? "" : ",").append('"').append(l.diffId).append('"');
            descs.append(descs.length() == 0 ? "" : ",").append("{\"mediaType\":\"").append(LAYER_TYPE)
                    .append("\",\"digest\":\"").append(l.digest).append("\",\"size\":").append(l.size).append('}');
        }
        this.config = ("{\"architecture\":\"" + OciImageTar.goArch() + "\",\"os\":\"linux\",\"config\":{},"
                + "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[" + diffIds + "]}}").getBytes(StandardCharsets.UTF_8);
        this.configDigest = OciImageTar.sha256(config);
        this.manifest = ("{\"schemaVersion\":2,\"mediaType\":\"" + OciImageTar.MANIFEST_TYPE + "\","
                + "\"config\":{\"mediaType\":\"" + BusyboxImage.CONFIG_TYPE + "\",\"digest\":\"" + configDigest
                + "\",\"size\":" + config.length + "},\"layers\":[" + descs + "]}").getBytes(StandardCharsets.UTF_8);
        this.manifestDigest = OciImageTar.sha256(manifest);
    }

    /**
     * Writes one layer per entry of {@code dataSizes} into {@code dir}: layer {@code i} holds
     * {@code data/random-i}, that many bytes drawn from a generator seeded with {@code seed + i}.
     */
    public static LargeImage write(Path dir, long seed, long... dataSizes) {
        List<Layer> layers = new ArrayList<>();
        for (int i = 0; i < dataSizes.length; i++) {
            layers.add(writeLayer(dir.resolve("layer-" + i + ".tar.gz"), "data/random-" + i, dataSizes[i], seed + i));
        }
        return new LargeImage(layers);
    }

    private static Layer writeLayer(Path file, String name, long dataSize, long seed) {
        MessageDigest blobDigest = sha256();
        MessageDigest tarDigest = sha256();
        try (OutputStream fileOut = new DigestOutputStream(new BufferedOutputStream(Files.newOutputStream(file), 1 << 16),
                blobDigest);
                OutputStream gz = new StoredGzip(fileOut);
                OutputStream tar = new DigestOutputStream(gz, tarDigest)) {
            tar.write(header(name, dataSize));
            SplittableRandom random = new SplittableRandom(seed);
            byte[] chunk = new byte[1 << 20];
            long left = dataSize;
            while (left > 0) {
                int n = (int) Math.min(chunk.length, left);
                for (int i = 0; i < n; i += 8) {
                    long r = random.nextLong();
                    for (int j = 0; j < 8 && i + j < n; j++) {
                        chunk[i + j] = (byte) (r >>> (8 * j));
                    }
                }
                tar.write(chunk, 0, n);
                left -= n;
            }
            tar.write(new byte[(int) ((512 - dataSize % 512) % 512)]);
            tar.write(new byte[1024]);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
        try {
            return new Layer(file, digest(blobDigest), Files.size(file), digest(tarDigest), name, dataSize);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** gzip without compression: stored deflate blocks, so writing costs no more than copying. */
    private static final class StoredGzip extends GZIPOutputStream {
        StoredGzip(OutputStream out) throws IOException {
            super(out, 1 << 16);
            def.setLevel(Deflater.NO_COMPRESSION);
        }
    }

    private static byte[] header(String name, long size) {
        byte[] h = new byte[512];
        put(h, 0, name);
        put(h, 100, "0000644");
        put(h, 108, "0000000");
        put(h, 116, "0000000");
        put(h, 124, String.format("%011o", size));
        put(h, 136, String.format("%011o", 1_700_000_000L));
        h[156] = '0';
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
        return h;
    }

    private static void put(byte[] h, int offset, String value) {
        byte[] b = value.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(b, 0, h, offset, b.length);
    }

    /** Pushes the layers (streamed from their files) and the config, then the manifest under {@code tag}. */
    public void push(RegistryClient client, String repo, String tag) {
        for (Layer l : layers) {
            client.putBlob(repo, l.digest, l.size, () -> {
                try {
                    return Files.newInputStream(l.file);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }
        client.putBlob(repo, configDigest, config);
        client.putManifest(repo, tag, OciImageTar.MANIFEST_TYPE, manifest);
    }

    /** Removes the layer files (the registry has the blobs; digests and sizes stay known). */
    public void deleteFiles() {
        for (Layer l : layers) {
            try {
                Files.deleteIfExists(l.file);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /** The total size of the layer blobs. */
    public long layerBytes() {
        return layers.stream().mapToLong(Layer::size).sum();
    }

    /** The chain ids of the layers (what an unpack names its committed snapshots). */
    public List<String> chainIds() {
        List<String> out = new ArrayList<>();
        String chain = null;
        for (Layer l : layers) {
            chain = chain == null ? l.diffId
                    : OciImageTar.sha256((chain + " " + l.diffId).getBytes(StandardCharsets.US_ASCII));
            out.add(chain);
        }
        return out;
    }

    /** The sha256 digest of a file, streamed. */
    public static String sha256(Path file) {
        MessageDigest md = sha256();
        try (var in = Files.newInputStream(file)) {
            byte[] buf = new byte[1 << 20];
            int n;
            while ((n = in.read(buf)) > 0) {
                md.update(buf, 0, n);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return digest(md);
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    private static String digest(MessageDigest md) {
        return "sha256:" + HexFormat.of().formatHex(md.digest());
    }
}
