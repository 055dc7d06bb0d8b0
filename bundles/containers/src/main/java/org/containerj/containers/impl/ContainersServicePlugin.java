package org.containerj.containers.impl;

import java.util.List;

import org.containerj.api.containers.Container;
import org.containerj.api.containers.ContainerStore;
import org.containerj.api.events.EventPublisher;
import org.containerj.api.gc.GarbageCollector;
import org.containerj.api.metadata.MetadataStore;
import org.containerj.api.plugin.PluginProperties;
import org.containerj.api.plugin.PluginTypes;
import org.containerj.proto.events.ContainerCreate;
import org.containerj.proto.events.ContainerDelete;
import org.containerj.proto.events.ContainerUpdate;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;

import com.google.protobuf.Message;

/**
 * The plugin {@code io.containerd.service.v1} {@code containers-service}: the container
 * store on the metadata store, publishing {@code /containers/create},
 * {@code /containers/update} and {@code /containers/delete} when the event exchange is
 * there, and asking the garbage collector (when there is one) for a collection after a
 * delete, since the container's snapshot may no longer be referenced.
 */
@Component(service = ContainerStore.class, property = {
        PluginProperties.TYPE + "=" + PluginTypes.SERVICE,
        PluginProperties.ID + "=" + ContainersServicePlugin.ID,
        PluginProperties.REQUIRES + "=" + PluginTypes.METADATA + ".bolt" })
public class ContainersServicePlugin implements ContainerStore {
    public static final String ID = "containers-service";

    private final MetadataContainerStore containers;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private volatile EventPublisher events;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private volatile GarbageCollector gc;

    @Activate
    public ContainersServicePlugin(@Reference(name = "metadata") MetadataStore metadata) {
        this.containers = new MetadataContainerStore(metadata);
    }

    /** For tests: the store with a given publisher and collector (either may be null). */
    ContainersServicePlugin(MetadataStore metadata, EventPublisher events, GarbageCollector gc) {
        this(metadata);
        this.events = events;
        this.gc = gc;
    }

    @Override
    public Container get(String namespace, String id) {
        return containers.get(namespace, id);
    }

    @Override
    public List<Container> list(String namespace, List<String> filters) {
        return containers.list(namespace, filters);
    }

    @Override
    public Container create(String namespace, Container container) {
        Container created = containers.create(namespace, container);
        var runtime = ContainerCreate.Runtime.newBuilder().setName(created.runtime().name());
        if (created.runtime().options() != null) {
            runtime.setOptions(ContainerRecords.toProto(created.runtime().options()));
        }
        publish(namespace, "/containers/create", ContainerCreate.newBuilder().setId(created.id())
                .setImage(created.image()).setRuntime(runtime).build());
        return created;
    }

    @Override
    public Container update(String namespace, Container container, List<String> fieldPaths) {
        Container updated = containers.update(namespace, container, fieldPaths);
        publish(namespace, "/containers/update", ContainerUpdate.newBuilder().setId(updated.id())
                .setImage(updated.image()).putAllLabels(updated.labels()).setSnapshotKey(updated.snapshotKey())
                .build());
        return updated;
    }

    @Override
    public void delete(String namespace, String id) {
        containers.delete(namespace, id);
        publish(namespace, "/containers/delete", ContainerDelete.newBuilder().setId(id).build());
        GarbageCollector collector = gc;
        if (collector != null) {
            collector.schedule();
        }
    }

    private void publish(String namespace, String topic, Message event) {
        EventPublisher publisher = events;
        if (publisher != null) {
            publisher.publish(namespace, topic, event.getDescriptorForType().getFullName(), event.toByteArray());
        }
    }
}
