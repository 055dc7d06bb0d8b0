package org.containerj.itests.support;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;

/**
 * Test images built from Debian's busybox-static ({@code /bin/busybox}), nothing downloaded:
 * gzip layers (directories, the binary, symlinks to it, {@code etc/passwd} and
 * {@code etc/group}, whiteouts), an OCI config ({@code Cmd /bin/sh}, {@code PATH}), a
 * manifest, and the OCI layout tar {@code ctr images import} reads.
 */
public final class BusyboxImage {
    public static final Path BUSYBOX = Path.of("/bin/busybox");
    public static final String LAYER_TYPE = "application/vnd.oci.image.layer.v1.tar+gzip";
    public static final String CONFIG_TYPE = "application/vnd.oci.image.config.v1+json";
    public static final List<String> APPLETS = List.of("sh", "echo", "sleep", "cat", "ls");

    /** One layer: its gzip blob, the digest of the blob and of the uncompressed tar (diff id). */
    public record Layer(byte[] blob, String digest, String diffId) {
    }

    public final List<Layer> layers;
    public final byte[] config;
    public final byte[] manifest;
    public final String configDigest;
    public final String manifestDigest;
    /** The platform's architecture as the config names it (Go's names: amd64, arm64). */
    public final String architecture;

    /** The image config's {@code config} object of {@link #single()}: busybox's PATH, {@code /bin/sh}. */
    public static final String DEFAULT_CONFIG =
            "{\"Env\":[\"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\"],\"Cmd\":[\"/bin/sh\"]}";

    private BusyboxImage(List<Layer> layers) {
        this(layers, OciImageTar.goArch(), DEFAULT_CONFIG);
    }

    private BusyboxImage(List<Layer> layers, String architecture, String imageConfig) {
        this.layers = List.copyOf(layers);
        this.architecture = architecture;
        StringBuilder diffIds = new StringBuilder();
        StringBuilder layerDescs = new StringBuilder();
        for (Layer l : layers) {
            diffIds.append(diffIds.length() == 0 ? "" : ",").append('"').append(l.diffId).append('"');
            layerDescs.append(layerDescs.length() == 0 ? "" : ",").append("{\"mediaType\":\"").append(LAYER_TYPE)
                    .append("\",\"digest\":\"").append(l.digest).append("\",\"size\":").append(l.blob.length).append('}');
        }
        this.config = ("{\"architecture\":\"" + architecture + "\",\"os\":\"linux\","
                + "\"config\":" + imageConfig + ","
                + "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[" + diffIds + "]}}").getBytes(StandardCharsets.UTF_8);
        this.configDigest = OciImageTar.sha256(config);
        this.manifest = ("{\"schemaVersion\":2,\"mediaType\":\"" + OciImageTar.MANIFEST_TYPE + "\","
                + "\"config\":{\"mediaType\":\"" + CONFIG_TYPE + "\",\"digest\":\"" + configDigest + "\",\"size\":"
                + config.length + "},\"layers\":[" + layerDescs + "]}").getBytes(StandardCharsets.UTF_8);
        this.manifestDigest = OciImageTar.sha256(manifest);
    }

    /** The busybox binary's bytes. */
    public static byte[] busybox() {
        try {
            return Files.readAllBytes(BUSYBOX);
        } catch (IOException e) {
            throw new AssertionError(BUSYBOX + " is not readable: install busybox-static (scripts/setup-host.sh)", e);
        }
    }

    /** The base layer: bin/busybox, its applet symlinks, etc/passwd and etc/group, plus {@code extra} files. */
    private static LayerTar baseLayer() {
        LayerTar t = new LayerTar();
        t.dir("bin/");
        t.file("bin/busybox", busybox(), 0755);
        for (String applet : APPLETS) {
            t.symlink("bin/" + applet, "busybox");
        }
        t.dir("etc/");
        t.file("etc/passwd", "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n"
                .getBytes(StandardCharsets.UTF_8), 0644);
        t.file("etc/group", "root:x:0:\nnogroup:x:65534:\n".getBytes(StandardCharsets.UTF_8), 0644);
        t.dir("root/");
        t.dir("tmp/", 01777);
        return t;
    }

    /** The one-layer busybox image. */
    public static BusyboxImage single() {
        return new BusyboxImage(List.of(baseLayer().layer()));
    }

    /**
     * One layer like {@link #single()} plus {@code etc/marker} holding {@code marker}, with a
     * config for {@code architecture}: distinct markers give images that share no blob (the
     * busybox binary still runs only where it was built for; another architecture is for
     * content tests, never run).
     */
    public static BusyboxImage marked(String architecture, String marker) {
        LayerTar base = baseLayer();
        base.file("etc/marker", (marker + "\n").getBytes(StandardCharsets.UTF_8), 0644);
        return new BusyboxImage(List.of(base.layer()), architecture, DEFAULT_CONFIG);
    }

    /** Every blob of the image (layers, config, manifest) by digest. */
    public Map<String, byte[]> blobs() {
        Map<String, byte[]> blobs = new LinkedHashMap<>();
        for (Layer l : layers) {
            blobs.put(l.digest, l.blob);
        }
        blobs.put(configDigest, config);
        blobs.put(manifestDigest, manifest);
        return blobs;
    }

    /** Pushes the layers and the config, then the manifest under {@code tag}, straight to the registry. */
    public void push(RegistryClient client, String repo, String tag) {
        for (Layer l : layers) {
            client.putBlob(repo, l.digest, l.blob);
        }
        client.putBlob(repo, configDigest, config);
        client.putManifest(repo, tag, OciImageTar.MANIFEST_TYPE, manifest);
    }

    /**
     * The one-layer busybox image with another image config {@code config} object (JSON, e.g.
     * with {@code User}, {@code WorkingDir}, {@code Env}); the layer also has {@code /work}.
     */
    public static BusyboxImage withConfig(String imageConfig) {
        LayerTar t = baseLayer();
        t.dir("work/", 0777);
        return new BusyboxImage(List.of(t.layer()), OciImageTar.goArch(), imageConfig);
    }

    /**
     * Two layers: the base (with {@code etc/doomed}, {@code data/old-1}, {@code data/old-2}),
     * then a layer adding {@code etc/added}, whiting out {@code etc/doomed} and making
     * {@code data/} opaque with a new {@code data/new}.
     */
    public static BusyboxImage twoLayers() {
        LayerTar base = baseLayer();
        base.file("etc/doomed", "removed by the second layer\n".getBytes(StandardCharsets.UTF_8), 0644);
        base.dir("data/");
        base.file("data/old-1", "hidden by an opaque whiteout\n".getBytes(StandardCharsets.UTF_8), 0644);
        base.file("data/old-2", "hidden by an opaque whiteout\n".getBytes(StandardCharsets.UTF_8), 0644);
        LayerTar top = new LayerTar();
        top.dir("etc/");
        top.file("etc/added", "added by the second layer\n".getBytes(StandardCharsets.UTF_8), 0644);
        top.file("etc/.wh.doomed", new byte[0], 0644);
        top.dir("data/");
        top.file("data/.wh..wh..opq", new byte[0], 0644);
        top.file("data/new", "from the second layer\n".getBytes(StandardCharsets.UTF_8), 0644);
        return new BusyboxImage(List.of(base.layer(), top.layer()));
    }

    /** An image of the given layers, in order (see {@link LayerBuilder}). */
    public static BusyboxImage of(List<Layer> layers) {
        return new BusyboxImage(layers);
    }

    /** The base layer with busybox, for further entries (used by {@link LayerBuilder}). */
    static LayerTar busyboxBase() {
        return baseLayer();
    }

    /** The chain ids of the layers: what the snapshots committed by an unpack are named. */
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

    /** The chain id of the whole image (the top snapshot). */
    public String chainId() {
        return chainIds().get(chainIds().size() - 1);
    }

    /** Writes the OCI layout tar naming the manifest {@code refName} (org.opencontainers.image.ref.name). */
    public Path write(Path file, String refName) {
        byte[] index = ("{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\"" + OciImageTar.MANIFEST_TYPE
                + "\",\"digest\":\"" + manifestDigest + "\",\"size\":" + manifest.length
                + ",\"annotations\":{\"org.opencontainers.image.ref.name\":\"" + refName + "\"},"
                + "\"platform\":{\"architecture\":\"" + architecture + "\",\"os\":\"linux\"}}]}")
                .getBytes(StandardCharsets.UTF_8);
        LayerTar t = new LayerTar();
        t.file("oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}".getBytes(StandardCharsets.UTF_8), 0644);
        t.file("index.json", index, 0644);
        Map<String, byte[]> blobs = new LinkedHashMap<>();
        for (Layer l : layers) {
            blobs.put(l.digest, l.blob);
        }
        blobs.put(configDigest, config);
        blobs.put(manifestDigest, manifest);
        for (var e : blobs.entrySet()) {
            t.file("blobs/sha256/" + e.getKey().substring("sha256:".length()), e.getValue(), 0644);
        }
        try {
            Files.write(file, t.bytes());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return file;
    }

    /** A ustar archive of directories, regular files and symlinks, owned by root, mtime fixed. */
    static final class LayerTar {
        private static final long MTIME = 1_700_000_000L;
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();
        private boolean finished;

        void dir(String name) {
            dir(name, 0755);
        }

        void dir(String name, int mode) {
            entry(name.endsWith("/") ? name : name + "/", '5', mode, new byte[0], "");
        }

        void file(String name, byte[] data, int mode) {
            entry(name, '0', mode, data, "");
        }

        void symlink(String name, String target) {
            entry(name, '2', 0777, new byte[0], target);
        }

        void dir(String name, int mode, int uid, int gid) {
            entry(name.endsWith("/") ? name : name + "/", '5', mode, new byte[0], "", uid, gid);
        }

        void file(String name, byte[] data, int mode, int uid, int gid) {
            entry(name, '0', mode, data, "", uid, gid);
        }

        /** A hard link {@code name} to the earlier entry {@code target}. */
        void hardlink(String name, String target) {
            entry(name, '1', 0644, new byte[0], target);
        }

        private void entry(String name, char type, int mode, byte[] data, String link) {
            entry(name, type, mode, data, link, 0, 0);
        }

        private void entry(String name, char type, int mode, byte[] data, String link, int uid, int gid) {
            if (finished) {
                throw new IllegalStateException("tar already finished");
            }
            byte[] h = new byte[512];
            put(h, 0, 100, name);
            put(h, 100, 8, String.format("%07o", mode));
            put(h, 108, 8, String.format("%07o", uid));
            put(h, 116, 8, String.format("%07o", gid));
            put(h, 124, 12, String.format("%011o", data.length));
            put(h, 136, 12, String.format("%011o", MTIME));
            h[156] = (byte) type;
            put(h, 157, 100, link);
            put(h, 257, 6, "ustar");
            put(h, 263, 2, "00");
            put(h, 265, 32, uid == 0 ? "root" : "");
            put(h, 297, 32, gid == 0 ? "root" : "");
            for (int i = 148; i < 156; i++) {
                h[i] = ' ';
            }
            int sum = 0;
            for (byte b : h) {
                sum += b & 0xff;
            }
            put(h, 148, 8, String.format("%06o", sum) + "\0 ");
            out.writeBytes(h);
            out.writeBytes(data);
            out.writeBytes(new byte[(512 - data.length % 512) % 512]);
        }

        byte[] bytes() {
            if (!finished) {
                out.writeBytes(new byte[1024]);
                finished = true;
            }
            return out.toByteArray();
        }

        Layer layer() {
            byte[] diff = bytes();
            ByteArrayOutputStream gz = new ByteArrayOutputStream();
            try (OutputStream o = new GZIPOutputStream(gz)) {
                o.write(diff);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            byte[] blob = gz.toByteArray();
            return new Layer(blob, OciImageTar.sha256(blob), OciImageTar.sha256(diff));
        }

        private static void put(byte[] h, int offset, int length, String value) {
            byte[] b = value.getBytes(StandardCharsets.US_ASCII);
            if (b.length > length) {
                throw new IllegalArgumentException("tar field too long: " + value);
            }
            System.arraycopy(b, 0, h, offset, b.length);
        }
    }
}
