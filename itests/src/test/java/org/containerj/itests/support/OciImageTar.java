package org.containerj.itests.support;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.GZIPOutputStream;

/**
 * A small OCI image built by the test itself: one gzip layer holding one file, its
 * config, a manifest, and an OCI image layout (oci-layout, index.json, blobs/) written
 * as a tar, the format {@code ctr images import} reads.
 */
public final class OciImageTar {
    public static final String MANIFEST_TYPE = "application/vnd.oci.image.manifest.v1+json";

    public final byte[] layer;
    public final byte[] config;
    public final byte[] manifest;
    public final String layerDigest;
    public final String configDigest;
    public final String manifestDigest;

    private OciImageTar(byte[] layer, byte[] config, byte[] manifest) {
        this.layer = layer;
        this.config = config;
        this.manifest = manifest;
        this.layerDigest = sha256(layer);
        this.configDigest = sha256(config);
        this.manifestDigest = sha256(manifest);
    }

    /** An image whose one layer holds {@code fileName} with {@code content}. */
    public static OciImageTar build(String fileName, String content) {
        byte[] diff = tar(Map.of(fileName, content.getBytes(StandardCharsets.UTF_8)));
        byte[] layer = gzip(diff);
        String arch = goArch();
        byte[] config = ("{\"architecture\":\"" + arch + "\",\"os\":\"linux\",\"config\":{},"
                + "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"" + sha256(diff) + "\"]}}")
                .getBytes(StandardCharsets.UTF_8);
        byte[] manifest = ("{\"schemaVersion\":2,\"mediaType\":\"" + MANIFEST_TYPE + "\","
                + "\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\""
                + sha256(config) + "\",\"size\":" + config.length + "},"
                + "\"layers\":[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\",\"digest\":\""
                + sha256(layer) + "\",\"size\":" + layer.length + "}]}").getBytes(StandardCharsets.UTF_8);
        return new OciImageTar(layer, config, manifest);
    }

    /** Writes the OCI layout tar naming the manifest {@code refName} (org.opencontainers.image.ref.name). */
    public Path write(Path file, String refName) {
        byte[] index = ("{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\"" + MANIFEST_TYPE + "\",\"digest\":\""
                + manifestDigest + "\",\"size\":" + manifest.length
                + ",\"annotations\":{\"org.opencontainers.image.ref.name\":\"" + refName + "\"},"
                + "\"platform\":{\"architecture\":\"" + goArch() + "\",\"os\":\"linux\"}}]}")
                .getBytes(StandardCharsets.UTF_8);
        Map<String, byte[]> entries = new LinkedHashMap<>();
        entries.put("oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}".getBytes(StandardCharsets.UTF_8));
        entries.put("index.json", index);
        entries.put("blobs/sha256/" + hex(layerDigest), layer);
        entries.put("blobs/sha256/" + hex(configDigest), config);
        entries.put("blobs/sha256/" + hex(manifestDigest), manifest);
        try {
            Files.write(file, tar(entries));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return file;
    }

    /**
     * Writes the image as {@code docker save} does (manifest.json, the config, the layer
     * uncompressed), tagged {@code repoTag}; returns the digest of the layer as written.
     */
    public String writeDockerArchive(Path file, String repoTag, String fileName, String content) {
        byte[] diff = tar(Map.of(fileName, content.getBytes(StandardCharsets.UTF_8)));
        String layerDir = hex(sha256(diff));
        byte[] manifestJson = ("[{\"Config\":\"" + hex(configDigest) + ".json\",\"RepoTags\":[\"" + repoTag
                + "\"],\"Layers\":[\"" + layerDir + "/layer.tar\"]}]").getBytes(StandardCharsets.UTF_8);
        Map<String, byte[]> entries = new LinkedHashMap<>();
        entries.put(hex(configDigest) + ".json", config);
        entries.put(layerDir + "/layer.tar", diff);
        entries.put("manifest.json", manifestJson);
        try {
            Files.write(file, tar(entries));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return sha256(diff);
    }

    /** The regular files of a tar, by name (what {@code ctr images export} wrote). */
    public static Map<String, byte[]> readTar(Path file) {
        Map<String, byte[]> files = new LinkedHashMap<>();
        try (InputStream in = Files.newInputStream(file)) {
            byte[] header = new byte[512];
            while (in.readNBytes(header, 0, 512) == 512) {
                if (header[0] == 0) {
                    break;
                }
                String name = field(header, 0, 100);
                String prefix = field(header, 345, 155);
                if (!prefix.isEmpty()) {
                    name = prefix + "/" + name;
                }
                long size = Long.parseLong(field(header, 124, 12).trim(), 8);
                byte type = header[156];
                byte[] data = in.readNBytes((int) size);
                in.skipNBytes((512 - size % 512) % 512);
                if (type == '0' || type == 0) {
                    files.put(name, data);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return files;
    }

    private static String field(byte[] header, int offset, int length) {
        int end = offset;
        while (end < offset + length && header[end] != 0) {
            end++;
        }
        return new String(header, offset, end - offset, StandardCharsets.US_ASCII);
    }

    /** A ustar archive of regular files (mode 0644, owned by root, mtime 0). */
    static byte[] tar(Map<String, byte[]> files) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (var e : files.entrySet()) {
            byte[] header = new byte[512];
            put(header, 0, 100, e.getKey());
            put(header, 100, 8, "0000644");
            put(header, 108, 8, "0000000");
            put(header, 116, 8, "0000000");
            put(header, 124, 12, String.format("%011o", e.getValue().length));
            put(header, 136, 12, "00000000000");
            header[156] = '0';
            put(header, 257, 6, "ustar");
            put(header, 263, 2, "00");
            for (int i = 148; i < 156; i++) {
                header[i] = ' ';
            }
            int sum = 0;
            for (byte b : header) {
                sum += b & 0xff;
            }
            put(header, 148, 8, String.format("%06o", sum) + "\0 ");
            out.writeBytes(header);
            out.writeBytes(e.getValue());
            out.writeBytes(new byte[(512 - e.getValue().length % 512) % 512]);
        }
        out.writeBytes(new byte[1024]);
        return out.toByteArray();
    }

    private static void put(byte[] header, int offset, int length, String value) {
        byte[] b = value.getBytes(StandardCharsets.US_ASCII);
        if (b.length > length) {
            throw new IllegalArgumentException("tar field too long: " + value);
        }
        System.arraycopy(b, 0, header, offset, b.length);
    }

    private static byte[] gzip(byte[] data) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (OutputStream gz = new GZIPOutputStream(out)) {
            gz.write(data);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    public static String sha256(byte[] data) {
        try {
            return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    private static String hex(String digest) {
        return digest.substring("sha256:".length());
    }

    /** The host's architecture as Go (and OCI platforms) name it. */
    public static String goArch() {
        return switch (System.getProperty("os.arch")) {
            case "amd64", "x86_64" -> "amd64";
            case "aarch64", "arm64" -> "arm64";
            default -> System.getProperty("os.arch");
        };
    }
}
