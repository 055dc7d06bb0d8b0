package org.containerj.itests.plugin;

import org.containerj.api.plugin.PluginSkippedException;

/**
 * A Declarative Services plugin component (OSGI-INF/skipping.xml, immediate) whose
 * activation says it does not apply on this host, as containerd's ErrSkipPlugin:
 * introspection must show it as {@code skip} with the reason.
 */
public class SkippingPlugin {
    public static final String ID = "itest-skipped";
    public static final String REASON = "itest plugin does not apply here";

    public void activate() {
        throw new PluginSkippedException(REASON);
    }
}
