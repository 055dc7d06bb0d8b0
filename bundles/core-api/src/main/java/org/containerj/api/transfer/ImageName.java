package org.containerj.api.transfer;

/**
 * A rule naming imported images, as containerd's transfer {@code ImageReference}. A plain
 * {@code name} is stored as is (for the archive's top-level index). With {@code prefix}, the
 * name is a repository: each manifest of the archive whose annotations name it gets a name
 * from them, {@code io.containerd.image.name} when it is under this repository (any full
 * name when {@code allowOverwrite}), else {@code prefix:<org.opencontainers.image.ref.name>};
 * {@code addDigest} adds {@code prefix@<digest>} as well, unless {@code skipNamedDigest} and
 * a name was found.
 */
public record ImageName(String name, boolean prefix, boolean allowOverwrite, boolean addDigest,
        boolean skipNamedDigest) {

    public ImageName {
        name = name == null ? "" : name;
    }

    /** The names taken from the archive's annotations, tags completed with {@code repository}. */
    public static ImageName prefix(String repository, boolean allowOverwrite) {
        return new ImageName(repository, true, allowOverwrite, false, false);
    }

    /** Exactly {@code name}. */
    public static ImageName exactly(String name) {
        return new ImageName(name, false, false, false, false);
    }
}
