package org.containerj.snapshotter.overlay.impl;

import java.nio.file.Path;
import java.util.Hashtable;
import java.util.List;
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
 * The snapshotter plugin {@code io.containerd.snapshotter.v1.overlayfs}, containerd's
 * default: an {@link OverlaySnapshotter} in {@code <containerj.root>/io.containerd.snapshotter.v1.overlayfs/}
 * (or {@code root_path}). Skipped, with the reason, where overlay mounts do not work.
 * Stopping it closes its store; started again, it finds its snapshots where it left them.
 *
 * <p>Activated at once and registering its {@link Snapshotter} service itself, so that
 * a plugin that does not apply shows as skipped, not as served.
 */
@Component(service = {}, immediate = true, configurationPid = OverlayPlugin.PID,
        configurationPolicy = ConfigurationPolicy.OPTIONAL, property = {
                PluginProperties.TYPE + "=" + PluginTypes.SNAPSHOTTER,
                PluginProperties.ID + "=" + OverlayPlugin.ID,
                PluginProperties.PLATFORMS + "=host" })
@Designate(ocd = OverlayConfig.class)
public class OverlayPlugin {
    public static final String ID = "overlayfs";
    public static final String PID = PluginTypes.SNAPSHOTTER + "." + ID;
    /** Framework property naming the daemon's root directory. */
    static final String ROOT_PROPERTY = "containerj.root";
    static final String DEFAULT_ROOT = "/var/lib/containerj";

    private OverlaySnapshotter snapshotter;
    private ServiceRegistration<Snapshotter> registration;

    /**
     * Opens the snapshotter and registers it. An activate method rather than a constructor:
     * SCR reports what an activate method throws as it is ({@code PluginSkippedException:
     * reason}), what a constructor throws wrapped in an InvocationTargetException.
     */
    @Activate
    void activate(BundleContext context, OverlayConfig config, Map<String, Object> properties) {
        Path root = root(context, config.root__path());
        OverlaySupport.check(root);
        if (config.slow__chown()) {
            Logger.tag("snapshots").warn("overlayfs: slow_chown is not supported and ignored");
        }
        OverlaySnapshotter.Options defaults = OverlaySnapshotter.Options.defaults();
        snapshotter = OverlaySnapshotter.open(root, new OverlaySnapshotter.Options(config.upperdir__label(),
                config.sync__remove(), List.of(config.mount__options()), defaults.indexOff()));
        Logger.tag("snapshots").info("overlayfs snapshotter in {}", root);
        registration = context.registerService(Snapshotter.class, snapshotter, serviceProperties(properties, root));
    }

    static Path root(BundleContext context, String rootPath) {
        if (rootPath != null && !rootPath.isBlank()) {
            return Path.of(rootPath);
        }
        String root = context.getProperty(ROOT_PROPERTY);
        return Path.of(root == null || root.isBlank() ? DEFAULT_ROOT : root, PID);
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
