package org.containerj.transfer.impl;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.containerj.api.content.ContentStore;
import org.containerj.api.content.Descriptor;
import org.containerj.api.content.Digest;
import org.containerj.api.errdefs.ContainerjException;
import org.containerj.api.errdefs.ErrorKind;
import org.containerj.api.images.Image;
import org.containerj.api.transfer.ExportOptions;

/**
 * Writes images as an OCI image layout tar, as containerd's exporter does (so that
 * {@code ctr images import} and {@code docker load} read it): {@code oci-layout},
 * {@code index.json} listing each image's target annotated with its name
 * ({@code io.containerd.image.name}, {@code org.opencontainers.image.ref.name}), every blob
 * under {@code blobs/<alg>/<hex>} (copied byte for byte and verified against its digest),
 * and Docker's {@code manifest.json} unless skipped; entries sorted by name.
 */
final class ArchiveExporter {
    private final ContentStore content;
    private final ExportOptions options;
    private final PlatformMatcher platforms;

    ArchiveExporter(ContentStore content, ExportOptions options) {
        this.content = content;
        this.options = options;
        // as ctr: the platforms given (else the host's) choose manifest.json's image; all-platforms adds the rest
        this.platforms = PlatformMatcher.of(options.platforms(), false);
    }

    private record Entry(String name, int mode, Descriptor blob, byte[] data, boolean directory) {
    }

    /** A manifest and the names it gets in manifest.json. */
    private static final class DockerManifest {
        final Descriptor manifest;
        final List<String> names = new ArrayList<>();

        DockerManifest(Descriptor manifest) {
            this.manifest = manifest;
        }
    }

    void export(List<Image> images, OutputStream out) {
        List<Descriptor> targets = new ArrayList<>();
        for (Image image : images) {
            Descriptor t = image.target();
            targets.add(new Descriptor(t.mediaType(), t.digest(), t.size(),
                    ImageNaming.withNameAnnotations(t.annotations(), image.name()), t.urls()));
        }
        Map<String, Entry> entries = new TreeMap<>();
        add(entries, new Entry("oci-layout", 0444, null,
                "{\"imageLayoutVersion\":\"1.0.0\"}".getBytes(StandardCharsets.UTF_8), false));
        GoJson index = new GoJson().beginObject().name("schemaVersion").value(2).name("manifests").beginArray();
        targets.forEach(t -> index.descriptor(t, null));
        add(entries, new Entry("index.json", 0644, null, index.endArray().endObject().bytes(), false));

        Map<Digest, DockerManifest> docker = new LinkedHashMap<>();
        Map<Digest, Digest> resolvedIndexes = new LinkedHashMap<>();
        for (Descriptor t : targets) {
            String name = t.annotations().get(ImageNaming.IMAGE_NAME);
            if (MediaTypes.isManifest(t.mediaType())) {
                DockerManifest dm = docker.get(t.digest());
                if (dm == null) {
                    addTree(entries, t);
                    dm = new DockerManifest(t);
                    docker.put(t.digest(), dm);
                }
                if (!options.skipDockerManifest()) {
                    dm.names.add(name);
                }
            } else if (MediaTypes.isIndex(t.mediaType())) {
                Digest chosen = resolvedIndexes.computeIfAbsent(t.digest(), d -> exportIndex(entries, t, docker));
                if (chosen != null && !options.skipDockerManifest()) {
                    docker.get(chosen).names.add(name);
                }
            } else {
                throw ContainerjException.invalidArgument("only manifests may be exported: %s is %s", t.digest(),
                        t.mediaType());
            }
        }
        if (!docker.isEmpty() && !options.skipDockerManifest()) {
            add(entries, new Entry("manifest.json", 0644, null, dockerManifests(docker), false));
        }
        List<String> algorithms = entries.values().stream().filter(e -> e.blob != null)
                .map(e -> e.blob.digest().algorithm()).distinct().toList();
        if (!algorithms.isEmpty()) {
            add(entries, new Entry("blobs/", 0755, null, null, true));
            algorithms.forEach(a -> add(entries, new Entry("blobs/" + a + "/", 0755, null, null, true)));
        }
        write(entries, out);
    }

    /** Adds an index and the manifests the platforms select; returns the manifest manifest.json names (null: none). */
    private Digest exportIndex(Map<String, Entry> entries, Descriptor target, Map<Digest, DockerManifest> docker) {
        addBlob(entries, target);
        ImageJson.Index index = ImageJson.index(target, ContentBlobs.read(content, target));
        List<ImageJson.Child> matching = new ArrayList<>();
        for (ImageJson.Child c : index.manifests()) {
            if (c.platform() == null || platforms.matches(c.platform())) {
                matching.add(c);
            } else if (!options.allPlatforms()) {
                continue;
            }
            addTree(entries, c.descriptor());
        }
        if (options.skipDockerManifest()) {
            return null;
        }
        if (matching.isEmpty()) {
            throw ContainerjException.notFound("no manifest found for platform %s in %s", platforms, target.digest());
        }
        matching.sort(Comparator.comparingInt(c -> c.platform() == null ? Integer.MAX_VALUE
                : platforms.rank(c.platform())));
        ImageJson.Child first = matching.get(0);
        if (!MediaTypes.isManifest(first.descriptor().mediaType())) {
            return null;
        }
        docker.computeIfAbsent(first.descriptor().digest(), d -> new DockerManifest(first.descriptor()));
        return first.descriptor().digest();
    }

    /** The blob and everything under it. */
    private void addTree(Map<String, Entry> entries, Descriptor d) {
        if (options.skipNonDistributable() && MediaTypes.isNonDistributable(d.mediaType())) {
            return;
        }
        addBlob(entries, d);
        if (MediaTypes.isManifest(d.mediaType())) {
            ImageJson.Manifest m = ImageJson.manifest(d, ContentBlobs.read(content, d));
            addTree(entries, m.config());
            m.layers().forEach(l -> addTree(entries, l));
        } else if (MediaTypes.isIndex(d.mediaType())) {
            ImageJson.index(d, ContentBlobs.read(content, d)).manifests().forEach(c -> addTree(entries, c.descriptor()));
        }
    }

    private void addBlob(Map<String, Entry> entries, Descriptor d) {
        content.info(d.digest()); // NOT_FOUND now rather than half-way through the tar
        add(entries, new Entry(blobPath(d.digest()), 0444, d, null, false));
    }

    private static void add(Map<String, Entry> entries, Entry e) {
        entries.putIfAbsent(e.name, e);
    }

    static String blobPath(Digest d) {
        return "blobs/" + d.algorithm() + "/" + d.hex();
    }

    private byte[] dockerManifests(Map<Digest, DockerManifest> manifests) {
        GoJson json = new GoJson().beginArray();
        for (DockerManifest dm : manifests.values()) {
            ImageJson.Manifest m = ImageJson.manifest(dm.manifest, ContentBlobs.read(content, dm.manifest));
            json.beginObject().name("Config").value(blobPath(m.config().digest())).name("RepoTags");
            if (dm.names.isEmpty()) {
                json.nullValue();
            } else {
                json.beginArray();
                dm.names.forEach(n -> json.value(DockerReferences.familiarize(n)));
                json.endArray();
            }
            json.name("Layers");
            if (m.layers().isEmpty()) {
                json.nullValue();
            } else {
                json.stringArray(m.layers().stream().map(l -> blobPath(l.digest())).toList());
            }
            json.endObject();
        }
        return json.endArray().bytes();
    }

    private void write(Map<String, Entry> entries, OutputStream out) {
        try {
            TarArchiveOutputStream tar = new TarArchiveOutputStream(out);
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
            for (Entry e : entries.values()) {
                TarArchiveEntry te = new TarArchiveEntry(e.name, e.directory ? TarArchiveEntry.LF_DIR
                        : TarArchiveEntry.LF_NORMAL, true);
                te.setMode(e.mode);
                te.setModTime(0);
                te.setUserName("");
                te.setGroupName("");
                if (e.data != null) {
                    te.setSize(e.data.length);
                    tar.putArchiveEntry(te);
                    tar.write(e.data);
                } else if (e.blob != null) {
                    te.setSize(e.blob.size());
                    tar.putArchiveEntry(te);
                    copyVerified(e.blob, tar);
                } else {
                    tar.putArchiveEntry(te);
                }
                tar.closeArchiveEntry();
            }
            tar.finish();
            tar.flush();
        } catch (IOException e) {
            throw Errors.of(e, ErrorKind.UNAVAILABLE, "writing the image archive");
        }
    }

    private void copyVerified(Descriptor d, OutputStream out) throws IOException {
        MessageDigest sha = Digests.sha256();
        long copied = 0;
        byte[] buffer = new byte[128 * 1024];
        try (InputStream in = ContentBlobs.open(content, d.digest())) {
            int n;
            while ((n = in.read(buffer)) >= 0) {
                if (copied + n > d.size()) {
                    throw new ContainerjException(ErrorKind.DATA_LOSS, "content " + d.digest() + " is larger than "
                            + d.size() + " bytes");
                }
                sha.update(buffer, 0, n);
                out.write(buffer, 0, n);
                copied += n;
            }
        }
        if (copied != d.size() || !Digests.of(sha.digest()).equals(d.digest())) {
            throw new ContainerjException(ErrorKind.DATA_LOSS, "content " + d.digest() + " does not match its digest");
        }
    }
}
