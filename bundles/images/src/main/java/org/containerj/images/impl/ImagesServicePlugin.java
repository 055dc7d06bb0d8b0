package org.containerj.images.impl;

import java.util.List;

import org.containerj.api.content.Digest;
import org.containerj.api.events.EventPublisher;
import org.containerj.api.gc.GarbageCollector;
import org.containerj.api.images.Image;
import org.containerj.api.images.ImageStore;
import org.containerj.api.metadata.MetadataStore;
import org.containerj.api.plugin.PluginProperties;
import org.containerj.api.plugin.PluginTypes;
import org.containerj.proto.services.images.v1.ImageCreate;
import org.containerj.proto.services.images.v1.ImageDelete;
import org.containerj.proto.services.images.v1.ImageUpdate;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;

import com.google.protobuf.Message;

/**
 * The plugin {@code io.containerd.service.v1} {@code images-service}: the image store on
 * the metadata store, publishing {@code /images/create}, {@code /images/update} and
 * {@code /images/delete} when the event exchange is there, and asking the garbage
 * collector (when there is one) to run after a delete, waiting for it on {@code sync}.
 */
@Component(service = ImageStore.class, property = {
        PluginProperties.TYPE + "=" + PluginTypes.SERVICE,
        PluginProperties.ID + "=" + ImagesServicePlugin.ID,
        PluginProperties.REQUIRES + "=" + PluginTypes.METADATA + ".bolt",
        PluginProperties.REQUIRES + "=" + PluginTypes.GC + ".scheduler" })
public class ImagesServicePlugin implements ImageStore {
    public static final String ID = "images-service";

    private final MetadataImageStore images;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private volatile EventPublisher events;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private volatile GarbageCollector gc;

    @Activate
    public ImagesServicePlugin(@Reference(name = "metadata") MetadataStore metadata) {
        this.images = new MetadataImageStore(metadata);
    }

    /** For tests: the store with a given publisher and collector (either may be null). */
    ImagesServicePlugin(MetadataStore metadata, EventPublisher events, GarbageCollector gc) {
        this(metadata);
        this.events = events;
        this.gc = gc;
    }

    @Override
    public Image get(String namespace, String name) {
        return images.get(namespace, name);
    }

    @Override
    public List<Image> list(String namespace, List<String> filters) {
        return images.list(namespace, filters);
    }

    @Override
    public Image create(String namespace, Image image) {
        Image created = images.create(namespace, image);
        publish(namespace, "/images/create",
                ImageCreate.newBuilder().setName(created.name()).putAllLabels(created.labels()).build());
        return created;
    }

    @Override
    public Image update(String namespace, Image image, List<String> fieldPaths) {
        Image updated = images.update(namespace, image, fieldPaths);
        publish(namespace, "/images/update",
                ImageUpdate.newBuilder().setName(updated.name()).putAllLabels(updated.labels()).build());
        return updated;
    }

    @Override
    public void delete(String namespace, String name, Digest target, boolean sync) {
        images.delete(namespace, name, target, false);
        publish(namespace, "/images/delete", ImageDelete.newBuilder().setName(name).build());
        GarbageCollector collector = gc;
        if (collector != null) {
            if (sync) {
                collector.collect();
            } else {
                collector.schedule();
            }
        }
    }

    private void publish(String namespace, String topic, Message event) {
        EventPublisher publisher = events;
        if (publisher != null) {
            publisher.publish(namespace, topic, event.getDescriptorForType().getFullName(), event.toByteArray());
        }
    }
}
