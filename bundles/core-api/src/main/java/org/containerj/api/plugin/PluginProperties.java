package org.containerj.api.plugin;

/**
 * Service properties that make an OSGi service a containerj plugin, named the way
 * containerd names its plugins. Consumers find a plugin by type and id with a filter
 * such as {@link #filter(String, String)} and look it up per operation, so that the
 * bundle behind it can be stopped, updated or replaced while the daemon runs.
 */
public final class PluginProperties {
    /** The plugin type, e.g. {@code io.containerd.snapshotter.v1}. See {@link PluginTypes}. */
    public static final String TYPE = "containerj.plugin.type";
    /** The plugin id, unique within its type, e.g. {@code overlayfs}. */
    public static final String ID = "containerj.plugin.id";
    /** What the plugin needs, as {@code <type>.<id>} or {@code <type>.*} (String[]). */
    public static final String REQUIRES = "containerj.plugin.requires";
    /** Platforms the plugin supports, e.g. {@code linux/amd64} (String[]). */
    public static final String PLATFORMS = "containerj.plugin.platforms";
    /** Prefix of exported values shown by introspection: {@code containerj.plugin.export.root}. */
    public static final String EXPORT_PREFIX = "containerj.plugin.export.";
    /** Capabilities the plugin declares (String[]), as containerd's introspection shows them. */
    public static final String CAPABILITIES = "containerj.plugin.capabilities";

    private PluginProperties() {
    }

    /** An LDAP filter matching the plugin with this type and id. */
    public static String filter(String type, String id) {
        return "(&(" + TYPE + "=" + escape(type) + ")(" + ID + "=" + escape(id) + "))";
    }

    /** An LDAP filter matching every plugin of this type. */
    public static String filter(String type) {
        return "(" + TYPE + "=" + escape(type) + ")";
    }

    private static String escape(String value) {
        StringBuilder b = new StringBuilder(value.length());
        for (char c : value.toCharArray()) {
            if (c == '\\' || c == '(' || c == ')' || c == '*') {
                b.append('\\');
            }
            b.append(c);
        }
        return b.toString();
    }
}
