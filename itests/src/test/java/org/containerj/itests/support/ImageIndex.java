package org.containerj.itests.support;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An OCI image index over busybox images of several platforms (linux, each image's
 * architecture): what a multi-platform tag in a registry points at.
 */
public final class ImageIndex {
    public static final String INDEX_TYPE = "application/vnd.oci.image.index.v1+json";

    public final List<BusyboxImage> images;
    public final byte[] index;
    public final String digest;

    public ImageIndex(List<BusyboxImage> images) {
        this.images = List.copyOf(images);
        StringBuilder manifests = new StringBuilder();
        for (BusyboxImage image : images) {
            manifests.append(manifests.length() == 0 ? "" : ",")
                    .append("{\"mediaType\":\"").append(OciImageTar.MANIFEST_TYPE)
                    .append("\",\"digest\":\"").append(image.manifestDigest)
                    .append("\",\"size\":").append(image.manifest.length)
                    .append(",\"platform\":{\"architecture\":\"").append(image.architecture)
                    .append("\",\"os\":\"linux\"}}");
        }
        this.index = ("{\"schemaVersion\":2,\"mediaType\":\"" + INDEX_TYPE + "\",\"manifests\":[" + manifests + "]}")
                .getBytes(StandardCharsets.UTF_8);
        this.digest = OciImageTar.sha256(index);
    }

    /** The image of {@code architecture}. */
    public BusyboxImage image(String architecture) {
        return images.stream().filter(i -> i.architecture.equals(architecture)).findFirst()
                .orElseThrow(() -> new AssertionError("no " + architecture + " image in the index"));
    }

    /** Every blob: the index, then each image's. */
    public Map<String, byte[]> blobs() {
        Map<String, byte[]> blobs = new LinkedHashMap<>();
        blobs.put(digest, index);
        images.forEach(i -> blobs.putAll(i.blobs()));
        return blobs;
    }

    /** Pushes every image's blobs and manifest (by digest), then the index under {@code tag}. */
    public void push(RegistryClient client, String repo, String tag) {
        for (BusyboxImage image : images) {
            for (BusyboxImage.Layer l : image.layers) {
                client.putBlob(repo, l.digest(), l.blob());
            }
            client.putBlob(repo, image.configDigest, image.config);
            client.putManifest(repo, image.manifestDigest, OciImageTar.MANIFEST_TYPE, image.manifest);
        }
        client.putManifest(repo, tag, INDEX_TYPE, index);
    }
}
