package org.containerj.api.transfer;

import java.util.List;

import org.containerj.api.remotes.RemoteOptions;

/**
 * How to push an image.
 *
 * @param platforms   the manifests of an index to push; empty for all of them (each must
 *                    be present locally); the index itself is pushed as it is
 * @param remote      credentials, plain http, stall timeout
 * @param maxConcurrentUploads blobs uploaded at once; 0 for the plugin's configured value
 */
public record PushOptions(List<Platform> platforms, RemoteOptions remote, int maxConcurrentUploads) {

    public PushOptions {
        platforms = platforms == null ? List.of() : List.copyOf(platforms);
        remote = remote == null ? RemoteOptions.DEFAULT : remote;
    }

    public static PushOptions defaults() {
        return new PushOptions(null, null, 0);
    }

    public PushOptions withRemote(RemoteOptions r) {
        return new PushOptions(platforms, r, maxConcurrentUploads);
    }

    public PushOptions withPlatforms(List<Platform> p) {
        return new PushOptions(p, remote, maxConcurrentUploads);
    }
}
