package org.containerj.api.remotes;

import java.util.Objects;

/**
 * A parsed, normalized image reference such as {@code docker.io/library/busybox:latest} or
 * {@code 127.0.0.1:5000/test/app@sha256:...}. {@code host} is the registry (docker.io for
 * a name without one), {@code repository} the path inside it, {@code tag} and
 * {@code digest} the object; at least one of the two is set (an absent tag means
 * {@code latest} unless a digest is given).
 */
public record ImageReference(String host, String repository, String tag, String digest) {

    public ImageReference {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(repository, "repository");
    }

    /** {@code host/repository} as containerd names the locator. */
    public String locator() {
        return host + "/" + repository;
    }

    /** The tag if set, else the digest: what goes after {@code /manifests/}. */
    public String object() {
        return digest != null ? digest : tag;
    }

    /** The reference in containerd's canonical string form. */
    @Override
    public String toString() {
        StringBuilder s = new StringBuilder(locator());
        if (tag != null) {
            s.append(':').append(tag);
        }
        if (digest != null) {
            s.append('@').append(digest);
        }
        return s.toString();
    }
}
