package org.containerj.api.transfer;

import java.util.List;
import java.util.Map;

/**
 * How to import an image archive (an OCI image layout tar, as {@code ctr images export}
 * writes it, or a {@code docker save} tar).
 *
 * @param names       how the imported images are named (see {@link ImageName}); empty for
 *                    the names the archive gives, tags completed with an
 *                    {@code import-<date>} repository, as {@code ctr images import} does
 * @param labels      labels of the image records
 * @param platforms   the platforms whose manifests are kept from an index; empty (and not
 *                    {@code allPlatforms}) for the daemon's platform
 * @param allPlatforms keep every manifest
 * @param unpacks     where to unpack (empty: import only)
 * @param compressLayers gzip uncompressed layers of a Docker archive
 * @param lease       an existing lease to hold what is written; null for a temporary one
 */
public record ImportOptions(List<ImageName> names, Map<String, String> labels, List<Platform> platforms,
        boolean allPlatforms, List<UnpackTarget> unpacks, boolean compressLayers, String lease) {

    public ImportOptions {
        names = names == null ? List.of() : List.copyOf(names);
        labels = labels == null ? Map.of() : Map.copyOf(labels);
        platforms = platforms == null ? List.of() : List.copyOf(platforms);
        unpacks = unpacks == null ? List.of() : List.copyOf(unpacks);
    }

    public static ImportOptions defaults() {
        return new ImportOptions(null, null, null, false, null, false, null);
    }

    public ImportOptions withNames(List<ImageName> n) {
        return new ImportOptions(n, labels, platforms, allPlatforms, unpacks, compressLayers, lease);
    }

    public ImportOptions withPlatforms(List<Platform> p, boolean all) {
        return new ImportOptions(names, labels, p, all, unpacks, compressLayers, lease);
    }

    public ImportOptions withUnpacks(List<UnpackTarget> u) {
        return new ImportOptions(names, labels, platforms, allPlatforms, u, compressLayers, lease);
    }

    public ImportOptions withLabels(Map<String, String> l) {
        return new ImportOptions(names, l, platforms, allPlatforms, unpacks, compressLayers, lease);
    }
}
