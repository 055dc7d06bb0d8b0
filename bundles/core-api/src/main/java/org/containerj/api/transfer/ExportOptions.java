package org.containerj.api.transfer;

import java.util.List;

/**
 * How to export images into an OCI image layout tar (readable by {@code ctr images
 * import} and {@code docker load}).
 *
 * @param platforms   the manifests of an index to include; empty (and not
 *                    {@code allPlatforms}) for the daemon's platform
 * @param allPlatforms include every manifest of an index (all must be present)
 * @param skipDockerManifest leave out the Docker-compatible {@code manifest.json}
 * @param skipNonDistributable leave out layers marked non-distributable
 */
public record ExportOptions(List<Platform> platforms, boolean allPlatforms, boolean skipDockerManifest,
        boolean skipNonDistributable) {

    public ExportOptions {
        platforms = platforms == null ? List.of() : List.copyOf(platforms);
    }

    public static ExportOptions defaults() {
        return new ExportOptions(null, false, false, false);
    }

    public ExportOptions withPlatforms(List<Platform> p, boolean all) {
        return new ExportOptions(p, all, skipDockerManifest, skipNonDistributable);
    }
}
