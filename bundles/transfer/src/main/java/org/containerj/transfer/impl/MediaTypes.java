package org.containerj.transfer.impl;

import org.containerj.api.content.Descriptor;

/** The image media types the transfer walks, and containerd's ingest ref for each kind. */
public final class MediaTypes {
    public static final String OCI_INDEX = "application/vnd.oci.image.index.v1+json";
    public static final String OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
    public static final String OCI_CONFIG = "application/vnd.oci.image.config.v1+json";
    public static final String DOCKER_MANIFEST_LIST = "application/vnd.docker.distribution.manifest.list.v2+json";
    public static final String DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json";
    public static final String DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json";
    public static final String DOCKER_SCHEMA1_MANIFEST = "application/vnd.docker.distribution.manifest.v1+prettyjws";
    /** A config served with a generic type (distribution#1622), as containerd accepts it. */
    public static final String LEGACY_CONFIG = "application/octet-stream";
    public static final String DOCKER_LAYER = "application/vnd.docker.image.rootfs.diff.tar";
    public static final String DOCKER_LAYER_GZIP = DOCKER_LAYER + ".gzip";
    public static final String DOCKER_FOREIGN_LAYER_GZIP = "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip";
    public static final String OCI_LAYER = "application/vnd.oci.image.layer.v1.tar";
    public static final String OCI_NONDISTRIBUTABLE_LAYER = "application/vnd.oci.image.layer.nondistributable.v1.tar";

    private MediaTypes() {
    }

    public static boolean isIndex(String mediaType) {
        return OCI_INDEX.equals(mediaType) || DOCKER_MANIFEST_LIST.equals(mediaType);
    }

    public static boolean isManifest(String mediaType) {
        return OCI_MANIFEST.equals(mediaType) || DOCKER_MANIFEST.equals(mediaType);
    }

    public static boolean isConfig(String mediaType) {
        return OCI_CONFIG.equals(mediaType) || DOCKER_CONFIG.equals(mediaType) || LEGACY_CONFIG.equals(mediaType);
    }

    /** Layer tars, compressed or not, OCI (nondistributable too) or Docker (foreign too). */
    public static boolean isLayer(String mediaType) {
        String base = mediaType;
        int plus = base.indexOf('+');
        if (plus >= 0) {
            base = base.substring(0, plus);
        }
        return base.equals(OCI_LAYER) || base.equals(OCI_NONDISTRIBUTABLE_LAYER) || mediaType.equals(DOCKER_LAYER)
                || mediaType.equals(DOCKER_LAYER_GZIP) || mediaType.equals(DOCKER_FOREIGN_LAYER_GZIP);
    }

    public static boolean isNonDistributable(String mediaType) {
        return mediaType.startsWith(OCI_NONDISTRIBUTABLE_LAYER) || mediaType.equals(DOCKER_FOREIGN_LAYER_GZIP);
    }

    /**
     * The ingest ref containerd uses for a blob it fetches ({@code remotes.MakeRefKey}):
     * {@code manifest-}, {@code index-}, {@code layer-}, {@code config-} or {@code unknown-},
     * then the digest, so that an interrupted fetch is resumed by whoever fetches it next.
     */
    public static String refKey(Descriptor d) {
        String key = d.digest().toString();
        String name = d.annotations().get("org.opencontainers.image.ref.name");
        if (name != null) {
            key = name + "@" + key;
        }
        String type = d.mediaType();
        if (isManifest(type)) {
            return "manifest-" + key;
        }
        if (isIndex(type)) {
            return "index-" + key;
        }
        if (isLayer(type)) {
            return "layer-" + key;
        }
        if (isConfig(type)) {
            return "config-" + key;
        }
        return "unknown-" + key;
    }
}
