package org.containerj.transfer.impl;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.containerj.api.content.ContentStore;
import org.containerj.api.content.ContentWriter;
import org.containerj.api.content.Descriptor;
import org.containerj.api.content.Digest;
import org.containerj.api.errdefs.ContainerjException;
import org.containerj.api.errdefs.ErrorKind;
import org.containerj.api.transfer.Platform;

/**
 * Reads an image archive into the content store, as containerd's archive importer does:
 * every regular file becomes a blob (digested as it is written, never trusted by name);
 * an OCI image layout ({@code oci-layout} 1.0.0) yields its {@code index.json} blob; a
 * Docker archive ({@code manifest.json}, {@code docker save}) is converted into Docker
 * schema 2 manifests and an OCI index naming each {@code RepoTags} entry, normalized
 * ({@code busybox:1} becomes {@code docker.io/library/busybox:1}). The generated JSON is
 * byte for byte containerd's, so the same archive gets the same digests.
 */
final class ArchiveImporter {
    private static final String OCI_LAYOUT = "oci-layout";
    private static final String DOCKER_MANIFEST_JSON = "manifest.json";
    private static final String INDEX_JSON = "index.json";
    private static final int BUFFER = 128 * 1024;

    private final ContentStore content;
    private final boolean compressLayers;
    private final Job job;

    ArchiveImporter(ContentStore content, boolean compressLayers, Job job) {
        this.content = content;
        this.compressLayers = compressLayers;
        this.job = job;
    }

    /** Ingests the archive; returns the descriptor of its (possibly generated) index. */
    Descriptor importIndex(InputStream archive) {
        Map<String, Descriptor> blobs = new HashMap<>();
        Map<String, String> symlinks = new LinkedHashMap<>();
        byte[] layout = null;
        byte[] dockerManifest = null;
        try {
            TarArchiveInputStream tar = new TarArchiveInputStream(archive);
            TarArchiveEntry entry;
            while ((entry = tar.getNextEntry()) != null) {
                job.checkNotFailed();
                String name = clean(entry.getName());
                if (entry.isSymbolicLink()) {
                    symlinks.put(name, clean(parentOf(name) + "/" + entry.getLinkName()));
                    continue;
                }
                if (!entry.isFile()) {
                    continue;
                }
                if (name.equals(OCI_LAYOUT)) {
                    layout = small(tar, entry, name);
                } else if (name.equals(DOCKER_MANIFEST_JSON)) {
                    dockerManifest = small(tar, entry, name);
                } else {
                    blobs.put(name, ingest(tar, entry.getSize(), "tar-" + name));
                }
            }
        } catch (IOException e) {
            throw Errors.of(e, ErrorKind.INVALID_ARGUMENT, "reading the image archive");
        }
        if (layout != null) {
            String version = ImageJson.layoutVersion(layout);
            if (!version.equals("1.0.0")) {
                throw ContainerjException.invalidArgument("unsupported OCI version %s", version);
            }
            Descriptor index = blobs.get(INDEX_JSON);
            if (index == null) {
                throw ContainerjException.invalidArgument("missing index.json in OCI layout 1.0.0");
            }
            return new Descriptor(MediaTypes.OCI_INDEX, index.digest(), index.size());
        }
        if (dockerManifest == null) {
            throw ContainerjException.invalidArgument("unrecognized image format: neither an OCI layout nor a Docker archive");
        }
        symlinks.forEach((name, target) -> {
            Descriptor d = blobs.get(target);
            if (d == null) {
                throw ContainerjException.invalidArgument("no target for symlink layer from %s to %s", name, target);
            }
            blobs.put(name, d);
        });
        return convertDocker(ImageJson.dockerArchiveManifest(dockerManifest), blobs);
    }

    private Descriptor convertDocker(List<ImageJson.DockerArchiveEntry> entries, Map<String, Descriptor> blobs) {
        GoJson index = new GoJson().beginObject().name("schemaVersion").value(2).name("manifests");
        if (entries.isEmpty()) {
            index.nullValue();
        } else {
            index.beginArray();
        }
        for (ImageJson.DockerArchiveEntry e : entries) {
            Descriptor config = blobs.get(clean(e.config()));
            if (config == null) {
                throw ContainerjException.invalidArgument("image config %s not found", e.config());
            }
            config = new Descriptor(MediaTypes.DOCKER_CONFIG, config.digest(), config.size());
            List<Descriptor> layers = resolveLayers(e.layers(), blobs);
            GoJson manifest = new GoJson().beginObject().name("schemaVersion").value(2)
                    .name("mediaType").value(MediaTypes.DOCKER_MANIFEST)
                    .name("config").descriptor(config, null).name("layers");
            if (layers.isEmpty()) {
                manifest.nullValue();
            } else {
                manifest.beginArray();
                layers.forEach(l -> manifest.descriptor(l, null));
                manifest.endArray();
            }
            Descriptor m = ContentBlobs.write(content, MediaTypes.DOCKER_MANIFEST, manifest.endObject().bytes(),
                    "manifest-");
            ImageJson.Config c = ImageJson.config(config, ContentBlobs.read(content, config));
            Platform platform = Platforms.normalize(new Platform(c.platform().os(), c.platform().architecture()));
            if (e.repoTags().isEmpty()) {
                index.descriptor(m, platform);
            }
            for (String tag : e.repoTags()) {
                String normalized = DockerReferences.normalize(tag);
                Map<String, String> annotations = Map.of(ImageNaming.IMAGE_NAME, normalized, ImageNaming.REF_NAME,
                        DockerReferences.object(normalized));
                index.descriptor(new Descriptor(m.mediaType(), m.digest(), m.size(), annotations, null), platform);
            }
        }
        if (!entries.isEmpty()) {
            index.endArray();
        }
        return ContentBlobs.write(content, MediaTypes.OCI_INDEX, index.endObject().bytes(), "manifest-");
    }

    /** Layer blobs as a Docker manifest lists them: compressed ones as gzip, plain tars as tars (or gzipped when asked). */
    private List<Descriptor> resolveLayers(List<String> files, Map<String, Descriptor> blobs) {
        List<Descriptor> layers = new ArrayList<>();
        for (String f : files) {
            Descriptor d = blobs.get(clean(f));
            if (d == null) {
                throw ContainerjException.invalidArgument("layer %s not found", f);
            }
            Descriptor compressed = compressedFor(d.digest());
            if (compressed != null) {
                layers.add(compressed);
                continue;
            }
            if (isCompressed(d.digest())) {
                layers.add(new Descriptor(MediaTypes.DOCKER_LAYER_GZIP, d.digest(), d.size()));
            } else if (compressLayers) {
                layers.add(gzip(d));
            } else {
                layers.add(new Descriptor(MediaTypes.DOCKER_LAYER, d.digest(), d.size()));
            }
        }
        return layers;
    }

    /** A compressed blob already in the store whose uncompressed digest is {@code diffId}. */
    private Descriptor compressedFor(Digest diffId) {
        Descriptor[] found = {null};
        content.walk(List.of("labels.\"" + GcLabels.UNCOMPRESSED + "\"==" + diffId), info -> {
            if (found[0] == null) {
                found[0] = new Descriptor(MediaTypes.DOCKER_LAYER_GZIP, info.digest(), info.size());
            }
        });
        return found[0];
    }

    /** gzip or zstd, the compressions containerd's import recognizes. */
    private boolean isCompressed(Digest digest) {
        byte[] head = new byte[4];
        int n;
        try (InputStream in = ContentBlobs.open(content, digest)) {
            n = in.readNBytes(head, 0, 4);
        } catch (IOException e) {
            throw Errors.of(e, ErrorKind.UNKNOWN, "reading " + digest);
        }
        boolean gzip = n >= 2 && (head[0] & 0xff) == 0x1f && (head[1] & 0xff) == 0x8b;
        boolean zstd = n == 4 && (head[0] & 0xff) == 0x28 && (head[1] & 0xff) == 0xb5 && (head[2] & 0xff) == 0x2f
                && (head[3] & 0xff) == 0xfd;
        return gzip || zstd;
    }

    private Descriptor gzip(Descriptor tar) {
        String ref = "compress-blob-sha256-" + tar.digest().hex();
        ContentWriter w = content.writer(ref, 0, null, Map.of());
        try {
            w.truncate(0);
            OutputStream sink = new OutputStream() {
                @Override
                public void write(int b) {
                    w.write(ByteBuffer.wrap(new byte[] {(byte) b}));
                }

                @Override
                public void write(byte[] b, int off, int len) {
                    w.write(ByteBuffer.wrap(b, off, len));
                }
            };
            try (InputStream in = ContentBlobs.open(content, tar.digest());
                    GZIPOutputStream gz = new GZIPOutputStream(sink, BUFFER)) {
                in.transferTo(gz);
            }
            long size = w.status().offset();
            Digest digest = w.digest();
            try {
                w.commit(size, digest, Map.of(GcLabels.UNCOMPRESSED, tar.digest().toString()));
            } catch (ContainerjException e) {
                if (e.kind() != ErrorKind.ALREADY_EXISTS) {
                    throw e;
                }
            }
            return new Descriptor(MediaTypes.DOCKER_LAYER_GZIP, digest, size);
        } catch (IOException e) {
            throw Errors.of(e, ErrorKind.UNKNOWN, "compressing " + tar.digest());
        } finally {
            w.close();
        }
    }

    /** Writes one tar entry as a blob (digest computed, not trusted from the name). */
    private Descriptor ingest(InputStream in, long size, String ref) throws IOException {
        ContentWriter w = content.writer(ref, size, null, Map.of());
        try {
            w.truncate(0);
            MessageDigest sha = Digests.sha256();
            byte[] buffer = new byte[BUFFER];
            long left = size;
            while (left > 0) {
                int n = in.read(buffer, 0, (int) Math.min(buffer.length, left));
                if (n < 0) {
                    throw ContainerjException.invalidArgument("the archive ends inside %s", ref.substring(4));
                }
                sha.update(buffer, 0, n);
                w.write(ByteBuffer.wrap(buffer, 0, n));
                left -= n;
            }
            Digest digest = Digests.of(sha.digest());
            try {
                w.commit(size, digest, Map.of());
            } catch (ContainerjException e) {
                if (e.kind() != ErrorKind.ALREADY_EXISTS) {
                    throw e;
                }
            }
            return new Descriptor("", digest, size);
        } finally {
            w.close();
        }
    }

    private static byte[] small(InputStream in, TarArchiveEntry entry, String name) throws IOException {
        if (entry.getSize() > ContentBlobs.MAX_JSON) {
            throw ContainerjException.invalidArgument("%s is %d bytes: too large", name, entry.getSize());
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        in.transferTo(out);
        return out.toByteArray();
    }

    /** A tar entry name as Go's path.Clean makes it, relative (never a file system path: only a key). */
    static String clean(String name) {
        String n;
        try {
            n = Path.of("/", name).normalize().toString();
        } catch (java.nio.file.InvalidPathException e) {
            throw ContainerjException.invalidArgument("invalid name in the image archive: %s", e.getMessage());
        }
        return n.equals("/") ? "" : n.substring(1);
    }

    private static String parentOf(String name) {
        int slash = name.lastIndexOf('/');
        return slash < 0 ? "" : name.substring(0, slash);
    }
}
