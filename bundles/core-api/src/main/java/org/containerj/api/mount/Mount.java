package org.containerj.api.mount;

import java.util.List;

/**
 * A mount to perform, as a snapshotter returns it and a runtime or differ performs it:
 * {@code mount -t type -o options source target}.
 */
public record Mount(String type, String source, String target, List<String> options) {
    public Mount {
        options = List.copyOf(options);
        target = target == null ? "" : target;
    }

    public Mount(String type, String source, List<String> options) {
        this(type, source, "", options);
    }
}
