package org.containerj.snapshotter.nativecopy.impl;

import java.nio.file.Path;
import java.util.Hashtable;
import java.util.Map;

import org.containerj.api.plugin.PluginProperties;
import org.containerj.api.plugin.PluginTypes;
import org.containerj.api.snapshots.Snapshotter;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.metatype.annotations.Designate;
import org.tinylog.Logger;

/**
 * The snapshotter plugin {@code io.containerd.snapshotter.v1.native}: a
 * {@link NativeSnapshotter} in {@code <containerj.root>/io.containerd.snapshotter.v1.native/}
 * (or {@code root_path}). Works on any file system.
 */
@Component(service = {}, immediate = true, configurationPid = NativePlugin.PID,
        configurationPolicy = ConfigurationPolicy.OPTIONAL, property = {
                PluginProperties.TYPE + "=" + PluginTypes.SNAPSHOTTER,
                PluginProperties.ID + "=" + NativePlugin.ID,
                PluginProperties.PLATFORMS + "=host" })
@Designate(ocd = NativeConfig.class)
public class NativePlugin {
    public static final String ID = "native";
    public static final String PID = PluginTypes.SNAPSHOTTER + "." + ID;
    static final String ROOT_PROPERTY = "containerj.root";
    static final String DEFAULT_ROOT = "/var/lib/containerj";

    private NativeSnapshotter snapshotter;
    private ServiceRegistration<Snapshotter> registration;

    /**
     * Opens the snapshotter and registers it. An activate method rather than a constructor:
     * SCR reports what an activate method throws as it is ({@code PluginSkippedException:
     * reason}), what a constructor throws wrapped in an InvocationTargetException.
     */
    @Activate
    void activate(BundleContext context, NativeConfig config, Map<String, Object> properties) {
        Path root;
        if (!config.root__path().isBlank()) {
            root = Path.of(config.root__path());
        } else {
            String r = context.getProperty(ROOT_PROPERTY);
            root = Path.of(r == null || r.isBlank() ? DEFAULT_ROOT : r, PID);
        }
        snapshotter = NativeSnapshotter.open(root);
        Logger.tag("snapshots").info("native snapshotter in {}", root);
        registration = context.registerService(Snapshotter.class, snapshotter, serviceProperties(properties, root));
    }

    /**
     * The service is registered here rather than by Declarative Services: Felix SCR keeps
     * the service of an immediate component whose activation failed registered, and a
     * plugin that does not apply must not look served. The plugin properties come from
     * the component; {@code root} is exported as containerd exports it.
     */
    static Hashtable<String, Object> serviceProperties(Map<String, Object> component, Path root) {
        Hashtable<String, Object> props = new Hashtable<>();
        component.forEach((k, v) -> {
            if (k.startsWith("containerj.plugin.")) {
                props.put(k, v);
            }
        });
        props.put(PluginProperties.EXPORT_PREFIX + "root", root.toString());
        return props;
    }

    @Deactivate
    void deactivate() {
        try {
            registration.unregister();
        } catch (IllegalStateException alreadyGone) {
            // the bundle is stopping and took its services with it
        }
        snapshotter.close();
    }
}
