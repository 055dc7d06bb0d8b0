package org.containerj.registry.impl;

import java.util.Set;

/** The manifest media types the registry client knows (wire facts of Docker and OCI). */
final class MediaTypes {
    static final String DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json";
    static final String DOCKER_MANIFEST_LIST = "application/vnd.docker.distribution.manifest.list.v2+json";
    static final String DOCKER_SCHEMA1 = "application/vnd.docker.distribution.manifest.v1+prettyjws";
    static final String DOCKER_SCHEMA1_UNSIGNED = "application/vnd.docker.distribution.manifest.v1+json";
    static final String OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
    static final String OCI_INDEX = "application/vnd.oci.image.index.v1+json";

    /** What a resolve accepts, as containerd sends it (its final {@code *} included). */
    static final String RESOLVE_ACCEPT = String.join(", ", DOCKER_MANIFEST, DOCKER_MANIFEST_LIST, OCI_MANIFEST,
            OCI_INDEX, "*");

    /** Fetched from {@code /manifests/}; everything else from {@code /blobs/}. */
    static final Set<String> MANIFESTS = Set.of(DOCKER_MANIFEST, DOCKER_MANIFEST_LIST, DOCKER_SCHEMA1,
            DOCKER_SCHEMA1_UNSIGNED, OCI_MANIFEST, OCI_INDEX);

    private MediaTypes() {
    }

    static boolean isManifest(String mediaType) {
        return mediaType != null && MANIFESTS.contains(mediaType);
    }
}
