package org.containerj.examples.snapshotter;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import org.containerj.api.plugin.PluginProperties;
import org.containerj.api.plugin.PluginTypes;
import org.containerj.api.snapshots.Snapshotter;
import org.containerj.snapshots.storage.SnapshotterRegistration;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.metatype.annotations.Designate;
import org.tinylog.Logger;

/**
 * The snapshotter plugin {@code io.containerd.snapshotter.v1.example}: a
 * {@link CopyingSnapshotter} in {@code <containerj.root>/io.containerd.snapshotter.v1.example/}.
 *
 * <p>All a third-party snapshotter bundle needs: a component with the plugin properties
 * that opens its snapshotter on activation and registers it as a {@link Snapshotter}
 * service through {@link SnapshotterRegistration}, and closes it on deactivation. The
 * daemon's snapshot service picks it up (and namespaces it) as it comes and goes.
 */
@Component(service = {}, immediate = true, configurationPid = ExamplePlugin.PID,
        configurationPolicy = ConfigurationPolicy.OPTIONAL, property = {
                PluginProperties.TYPE + "=" + PluginTypes.SNAPSHOTTER,
                PluginProperties.ID + "=" + ExamplePlugin.ID,
                PluginProperties.PLATFORMS + "=host" })
@Designate(ocd = ExampleConfig.class)
public class ExamplePlugin {
    public static final String ID = "example";
    public static final String PID = PluginTypes.SNAPSHOTTER + "." + ID;

    private CopyingSnapshotter snapshotter;
    private ServiceRegistration<Snapshotter> registration;

    @Activate
    void activate(BundleContext context, ExampleConfig config, Map<String, Object> properties) {
        Path root = SnapshotterRegistration.root(context, PID, config.root__path());
        snapshotter = CopyingSnapshotter.open(root, Duration.ofSeconds(Math.max(1, config.copy__timeout())));
        Logger.tag("snapshots").info("example snapshotter in {}", root);
        registration = SnapshotterRegistration.register(context, snapshotter, properties, root);
    }

    @Deactivate
    void deactivate() {
        SnapshotterRegistration.unregister(registration);
        snapshotter.close();
    }
}
