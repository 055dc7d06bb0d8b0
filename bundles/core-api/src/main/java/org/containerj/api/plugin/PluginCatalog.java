package org.containerj.api.plugin;

import java.util.List;

/**
 * The live plugin graph: every plugin with its status, as {@code ctr plugins ls} and
 * the shell show it. Computed on each call from the service registry and the
 * component runtime, so it reflects bundles stopped or started a moment ago.
 */
public interface PluginCatalog {
    List<PluginInfo> plugins();
}
