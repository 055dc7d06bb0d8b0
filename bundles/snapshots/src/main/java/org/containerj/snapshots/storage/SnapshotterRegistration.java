package org.containerj.snapshots.storage;

import java.nio.file.Path;
import java.util.Hashtable;
import java.util.Map;

import org.containerj.api.plugin.PluginProperties;
import org.containerj.api.snapshots.Snapshotter;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;

/**
 * How a snapshotter plugin component finds its root and publishes its snapshotter. The
 * component registers the service itself rather than through Declarative Services: Felix
 * SCR keeps the service of an immediate component whose activation failed registered, and
 * a plugin that does not apply must not look served.
 */
public final class SnapshotterRegistration {
    /** Framework property naming the daemon's root directory. */
    public static final String ROOT_PROPERTY = "containerj.root";
    public static final String DEFAULT_ROOT = "/var/lib/containerj";

    private SnapshotterRegistration() {
    }

    /** {@code rootPath} when configured, else {@code <containerj.root>/<pid>} as containerd lays plugins out. */
    public static Path root(BundleContext context, String pid, String rootPath) {
        if (rootPath != null && !rootPath.isBlank()) {
            return Path.of(rootPath);
        }
        String root = context.getProperty(ROOT_PROPERTY);
        return Path.of(root == null || root.isBlank() ? DEFAULT_ROOT : root, pid);
    }

    /**
     * Registers {@code snapshotter} with the component's plugin properties, and its root
     * exported as containerd exports it.
     */
    public static ServiceRegistration<Snapshotter> register(BundleContext context, Snapshotter snapshotter,
            Map<String, Object> componentProperties, Path root) {
        Hashtable<String, Object> props = new Hashtable<>();
        componentProperties.forEach((k, v) -> {
            if (k.startsWith("containerj.plugin.")) {
                props.put(k, v);
            }
        });
        props.put(PluginProperties.EXPORT_PREFIX + "root", root.toString());
        return context.registerService(Snapshotter.class, snapshotter, props);
    }

    /** Unregisters, tolerating a bundle that is stopping and took its services with it. */
    public static void unregister(ServiceRegistration<?> registration) {
        try {
            registration.unregister();
        } catch (IllegalStateException alreadyGone) {
            // nothing left to do
        }
    }
}
