package org.containerj.snapshotter.overlay.impl;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.containerj.api.plugin.PluginProperties;
import org.containerj.snapshots.storage.SnapshotterRegistration;
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

    private OverlaySnapshotter snapshotter;
    private ServiceRegistration<Snapshotter> registration;

    /**
     * Opens the snapshotter and registers it. An activate method rather than a constructor:
     * SCR reports what an activate method throws as it is ({@code PluginSkippedException:
     * reason}), what a constructor throws wrapped in an InvocationTargetException.
     */
    @Activate
    void activate(BundleContext context, OverlayConfig config, Map<String, Object> properties) {
        Path root = SnapshotterRegistration.root(context, PID, config.root__path());
        OverlaySupport.check(root);
        if (config.slow__chown()) {
            Logger.tag("snapshots").warn("overlayfs: slow_chown is not supported and ignored");
        }
        OverlaySnapshotter.Options defaults = OverlaySnapshotter.Options.defaults();
        snapshotter = OverlaySnapshotter.open(root, new OverlaySnapshotter.Options(config.upperdir__label(),
                config.sync__remove(), List.of(config.mount__options()), defaults.indexOff()));
        Logger.tag("snapshots").info("overlayfs snapshotter in {}", root);
        registration = SnapshotterRegistration.register(context, snapshotter, properties, root);
    }

    @Deactivate
    void deactivate() {
        SnapshotterRegistration.unregister(registration);
        snapshotter.close();
    }
}
