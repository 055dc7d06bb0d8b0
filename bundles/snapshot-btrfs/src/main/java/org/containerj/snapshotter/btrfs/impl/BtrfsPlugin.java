package org.containerj.snapshotter.btrfs.impl;

import java.nio.file.Path;
import java.util.Map;

import org.containerj.api.errdefs.ContainerjException;
import org.containerj.api.plugin.PluginProperties;
import org.containerj.snapshots.storage.SnapshotterRegistration;
import org.containerj.api.plugin.PluginSkippedException;
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
 * The snapshotter plugin {@code io.containerd.snapshotter.v1.btrfs}: a
 * {@link BtrfsSnapshotter} in {@code <containerj.root>/io.containerd.snapshotter.v1.btrfs/}
 * (or {@code root_path}). Skipped, with the reason, when that is not on btrfs or
 * btrfs-progs is not installed.
 *
 * <p>Activated at once and registering its {@link Snapshotter} service itself, so that
 * a plugin that does not apply shows as skipped, not as served.
 */
@Component(service = {}, immediate = true, configurationPid = BtrfsPlugin.PID,
        configurationPolicy = ConfigurationPolicy.OPTIONAL, property = {
                PluginProperties.TYPE + "=" + PluginTypes.SNAPSHOTTER,
                PluginProperties.ID + "=" + BtrfsPlugin.ID,
                PluginProperties.PLATFORMS + "=host" })
@Designate(ocd = BtrfsConfig.class)
public class BtrfsPlugin {
    public static final String ID = "btrfs";
    public static final String PID = PluginTypes.SNAPSHOTTER + "." + ID;

    private BtrfsSnapshotter snapshotter;
    private ServiceRegistration<Snapshotter> registration;

    /**
     * Opens the snapshotter and registers it. An activate method rather than a constructor:
     * SCR reports what an activate method throws as it is ({@code PluginSkippedException:
     * reason}), what a constructor throws wrapped in an InvocationTargetException.
     */
    @Activate
    void activate(BundleContext context, BtrfsConfig config, Map<String, Object> properties) {
        Path root = SnapshotterRegistration.root(context, PID, config.root__path());
        Btrfs btrfs = Btrfs.standard();
        try {
            btrfs.version();
        } catch (ContainerjException e) {
            throw new PluginSkippedException("btrfs-progs is needed by the btrfs snapshotter: " + e.getMessage());
        }
        snapshotter = BtrfsSnapshotter.open(root, btrfs);
        Logger.tag("snapshots").info("btrfs snapshotter in {} on {}", root, snapshotter.device());
        registration = SnapshotterRegistration.register(context, snapshotter, properties, root);
    }

    @Deactivate
    void deactivate() {
        SnapshotterRegistration.unregister(registration);
        snapshotter.close();
    }
}
