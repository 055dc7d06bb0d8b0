package org.containerj.api.plugin;

/**
 * Thrown from a plugin's activation when it does not apply on this host (containerd's
 * ErrSkipPlugin), e.g. the btrfs snapshotter on a root that is not btrfs. Introspection
 * reports such a plugin as skipped with this message rather than as failed.
 */
public class PluginSkippedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public PluginSkippedException(String reason) {
        super(reason);
    }
}
