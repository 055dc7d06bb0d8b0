package org.containerj.api.transfer;

import java.util.List;
import java.util.Map;

import org.containerj.api.remotes.RemoteOptions;

/**
 * How to pull an image.
 *
 * @param imageName   the name of the image record to create or update; null or empty for
 *                    the reference as the registry client normalizes it
 *                    ({@code docker.io/library/busybox:latest})
 * @param labels      labels of the image record
 * @param platforms   the platforms whose manifests are fetched from an index; empty (and not
 *                    {@code allPlatforms}) for the daemon's platform
 * @param allPlatforms fetch every manifest of an index
 * @param unpacks     where to unpack (empty: fetch only); the first target whose platform
 *                    matches a fetched manifest's config is used for it
 * @param remote      credentials, plain http, stall timeout
 * @param maxConcurrentDownloads blobs fetched at once; 0 for the plugin's configured value
 * @param lease       an existing lease to hold what is written; null for a temporary one
 *                    that is deleted when the pull ends (the image then holds its content)
 */
public record PullOptions(String imageName, Map<String, String> labels, List<Platform> platforms,
        boolean allPlatforms, List<UnpackTarget> unpacks, RemoteOptions remote, int maxConcurrentDownloads,
        String lease) {

    public PullOptions {
        imageName = imageName == null ? "" : imageName;
        labels = labels == null ? Map.of() : Map.copyOf(labels);
        platforms = platforms == null ? List.of() : List.copyOf(platforms);
        unpacks = unpacks == null ? List.of() : List.copyOf(unpacks);
        remote = remote == null ? RemoteOptions.DEFAULT : remote;
    }

    /** Fetch for the daemon's platform, no unpack, default remote options. */
    public static PullOptions defaults() {
        return new PullOptions(null, null, null, false, null, null, 0, null);
    }

    public PullOptions withImageName(String name) {
        return new PullOptions(name, labels, platforms, allPlatforms, unpacks, remote, maxConcurrentDownloads, lease);
    }

    public PullOptions withLabels(Map<String, String> l) {
        return new PullOptions(imageName, l, platforms, allPlatforms, unpacks, remote, maxConcurrentDownloads, lease);
    }

    public PullOptions withPlatforms(List<Platform> p, boolean all) {
        return new PullOptions(imageName, labels, p, all, unpacks, remote, maxConcurrentDownloads, lease);
    }

    public PullOptions withUnpacks(List<UnpackTarget> u) {
        return new PullOptions(imageName, labels, platforms, allPlatforms, u, remote, maxConcurrentDownloads, lease);
    }

    /** Unpacks the daemon's platform into {@code snapshotter} (empty for the default). */
    public PullOptions withUnpack(String snapshotter) {
        return withUnpacks(List.of(UnpackTarget.into(snapshotter)));
    }

    public PullOptions withRemote(RemoteOptions r) {
        return new PullOptions(imageName, labels, platforms, allPlatforms, unpacks, r, maxConcurrentDownloads, lease);
    }

    public PullOptions withMaxConcurrentDownloads(int n) {
        return new PullOptions(imageName, labels, platforms, allPlatforms, unpacks, remote, n, lease);
    }

    public PullOptions withLease(String l) {
        return new PullOptions(imageName, labels, platforms, allPlatforms, unpacks, remote, maxConcurrentDownloads, l);
    }
}
