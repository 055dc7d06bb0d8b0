package org.containerj.snapshots.impl;

import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import org.containerj.api.events.EventPublisher;
import org.containerj.api.metadata.MetadataStore;
import org.containerj.api.plugin.PluginProperties;
import org.containerj.api.plugin.PluginTypes;
import org.containerj.api.snapshots.NamespacedSnapshotters;
import org.containerj.api.snapshots.Snapshotter;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.tinylog.Logger;

import com.google.protobuf.Message;

/**
 * The plugin {@code io.containerd.service.v1} {@code snapshots-service}: the namespaced
 * snapshotters ({@link MetadataSnapshotters}) over the metadata store and whatever
 * snapshotter plugins ({@code io.containerd.snapshotter.v1}) are registered, tracked as
 * they come and go and looked up on every call. When a snapshotter appears (again), the
 * snapshots no namespace refers to any more are removed from it. Prepare, commit and
 * remove publish {@code /snapshot/*} events when the event exchange is there.
 */
@Component(service = NamespacedSnapshotters.class, property = {
        PluginProperties.TYPE + "=" + PluginTypes.SERVICE,
        PluginProperties.ID + "=" + SnapshotsServicePlugin.ID,
        PluginProperties.REQUIRES + "=" + PluginTypes.METADATA + ".bolt" })
public class SnapshotsServicePlugin implements NamespacedSnapshotters {
    public static final String ID = "snapshots-service";

    private final ExecutorService collector = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "containerj-snapshot-collector");
        t.setDaemon(true);
        return t;
    });
    private final SnapshotterRegistry registry;
    private final MetadataSnapshotters snapshots;

    /** Events are published when the exchange is there; snapshots work without it. */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private volatile EventPublisher events;

    @Activate
    public SnapshotsServicePlugin(@Reference(name = "metadata") MetadataStore metadata) {
        MetadataSnapshotters[] self = new MetadataSnapshotters[1];
        this.registry = new SnapshotterRegistry(id -> self[0].known(id));
        this.snapshots = new MetadataSnapshotters(metadata, registry::get, this::publish, collector);
        self[0] = snapshots;
    }

    @Reference(name = "snapshotter", service = Snapshotter.class, cardinality = ReferenceCardinality.MULTIPLE,
            policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY,
            target = "(" + PluginProperties.TYPE + "=" + PluginTypes.SNAPSHOTTER + ")")
    void bindSnapshotter(Snapshotter snapshotter, Map<String, Object> properties) {
        String id = String.valueOf(properties.get(PluginProperties.ID));
        registry.add(id, snapshotter);
        Logger.tag("snapshots").debug("snapshotter {} is available", id);
        snapshots.scheduleCollect(id);
    }

    void unbindSnapshotter(Snapshotter snapshotter, Map<String, Object> properties) {
        String id = String.valueOf(properties.get(PluginProperties.ID));
        registry.remove(id, snapshotter);
        Logger.tag("snapshots").debug("snapshotter {} is gone", id);
    }

    @Deactivate
    void deactivate() throws InterruptedException {
        collector.shutdown();
        if (!collector.awaitTermination(10, TimeUnit.SECONDS)) {
            collector.shutdownNow();
        }
    }

    @Override
    public Snapshotter forNamespace(String snapshotter, String namespace, String lease) {
        return snapshots.forNamespace(snapshotter, namespace, lease);
    }

    private void publish(String namespace, String topic, Message event) {
        EventPublisher publisher = events;
        if (publisher != null) {
            publisher.publish(namespace, topic, event.getDescriptorForType().getFullName(), event.toByteArray());
        }
    }
}
