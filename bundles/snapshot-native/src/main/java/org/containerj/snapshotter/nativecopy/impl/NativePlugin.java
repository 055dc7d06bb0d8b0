package org.containerj.snapshotter.nativecopy.impl;

import java.nio.file.Path;
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

    private NativeSnapshotter snapshotter;
    private ServiceRegistration<Snapshotter> registration;

    /**
     * Opens the snapshotter and registers it. An activate method rather than a constructor:
     * SCR reports what an activate method throws as it is ({@code PluginSkippedException:
     * reason}), what a constructor throws wrapped in an InvocationTargetException.
     */
    @Activate
    void activate(BundleContext context, NativeConfig config, Map<String, Object> properties) {
        Path root = SnapshotterRegistration.root(context, PID, config.root__path());
        snapshotter = NativeSnapshotter.open(root);
        Logger.tag("snapshots").info("native snapshotter in {}", root);
        registration = SnapshotterRegistration.register(context, snapshotter, properties, root);
    }

    @Deactivate
    void deactivate() {
        SnapshotterRegistration.unregister(registration);
        snapshotter.close();
    }
}
