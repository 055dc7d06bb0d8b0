package org.containerj.api.plugin;

import java.util.List;
import java.util.Map;

/**
 * One plugin as introspection shows it: containerd's fields plus the bundle it comes
 * from, so an operator sees which bundle (and version) serves it.
 *
 * @param type plugin type
 * @param id plugin id
 * @param requires what it needs, {@code <type>.<id>} or {@code <type>.*}
 * @param platforms platforms it supports, e.g. {@code linux/amd64}
 * @param exports values it exports, e.g. its root directory
 * @param capabilities capabilities it declares
 * @param status ok, skip or error
 * @param reason why it is skipped or failed; empty when ok
 * @param bundle symbolic name of the bundle providing it
 * @param bundleVersion that bundle's version
 */
public record PluginInfo(String type, String id, List<String> requires, List<String> platforms,
        Map<String, String> exports, List<String> capabilities, PluginStatus status, String reason,
        String bundle, String bundleVersion) {

    public PluginInfo {
        requires = List.copyOf(requires);
        platforms = List.copyOf(platforms);
        exports = Map.copyOf(exports);
        capabilities = List.copyOf(capabilities);
        reason = reason == null ? "" : reason;
    }

    /** containerd's way of naming a plugin: {@code <type>.<id>}. */
    public String uri() {
        return type + "." + id;
    }
}
