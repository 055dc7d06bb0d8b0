package org.containerj.api.transfer;

/**
 * An OCI platform as image indexes name them: {@code os}, {@code architecture} and an
 * optional {@code variant} ({@code linux/arm64/v8}). Empty strings stand for absent parts;
 * matching and normalization (aliases such as {@code x86_64}) are the transfer plugin's.
 */
public record Platform(String os, String architecture, String variant) {

    public Platform {
        os = os == null ? "" : os;
        architecture = architecture == null ? "" : architecture;
        variant = variant == null ? "" : variant;
    }

    public Platform(String os, String architecture) {
        this(os, architecture, "");
    }

    /** {@code os/architecture[/variant]}, as containerd formats platforms. */
    @Override
    public String toString() {
        return variant.isEmpty() ? os + "/" + architecture : os + "/" + architecture + "/" + variant;
    }
}
