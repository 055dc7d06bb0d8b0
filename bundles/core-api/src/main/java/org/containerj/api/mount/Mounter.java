package org.containerj.api.mount;

import java.nio.file.Path;
import java.util.List;

/** Performs and undoes mounts on the host (needs CAP_SYS_ADMIN). */
public interface Mounter {
    /** Mounts all of {@code mounts} on {@code target}, in order; on failure, undoes what it did. */
    void mountAll(List<Mount> mounts, Path target);

    /** Unmounts everything mounted on {@code target} (lazily when busy). */
    void unmountAll(Path target);
}
