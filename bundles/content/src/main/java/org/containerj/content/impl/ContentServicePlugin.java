package org.containerj.content.impl;

import org.containerj.api.content.ContentStore;
import org.containerj.api.content.Digest;
import org.containerj.api.content.NamespacedContentStore;
import org.containerj.api.events.EventPublisher;
import org.containerj.api.metadata.MetadataStore;
import org.containerj.api.plugin.PluginProperties;
import org.containerj.api.plugin.PluginTypes;
import org.containerj.proto.events.ContentDelete;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;

/**
 * The plugin {@code io.containerd.service.v1} {@code content-service}: the namespaced
 * content store ({@link MetadataContentStore}) over the metadata store and the content
 * plugin {@code io.containerd.content.v1.content} (the reference's target can be
 * configured to another content plugin with the component property
 * {@code content.target}). Deleting content publishes
 * {@code /content/delete} when the event exchange is there.
 */
@Component(service = NamespacedContentStore.class, property = {
        PluginProperties.TYPE + "=" + PluginTypes.SERVICE,
        PluginProperties.ID + "=" + ContentServicePlugin.ID,
        PluginProperties.REQUIRES + "=" + PluginTypes.METADATA + ".bolt",
        PluginProperties.REQUIRES + "=" + PluginTypes.CONTENT + "." + LocalContentPlugin.ID })
public class ContentServicePlugin implements NamespacedContentStore {
    public static final String ID = "content-service";
    static final String DELETE_TOPIC = "/content/delete";

    private final MetadataContentStore store;

    /** Events are published when the exchange is there; content works without it. */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private volatile EventPublisher events;

    @Activate
    public ContentServicePlugin(@Reference(name = "metadata") MetadataStore metadata,
            @Reference(name = "content", target = "(&(" + PluginProperties.TYPE + "=" + PluginTypes.CONTENT + ")("
                    + PluginProperties.ID + "=" + LocalContentPlugin.ID + "))") ContentStore content) {
        this.store = new MetadataContentStore(metadata, content, this::published);
    }

    @Override
    public ContentStore forNamespace(String namespace, String lease) {
        return store.forNamespace(namespace, lease);
    }

    private void published(String namespace, Digest digest) {
        EventPublisher publisher = events;
        if (publisher != null) {
            ContentDelete event = ContentDelete.newBuilder().setDigest(digest.toString()).build();
            publisher.publish(namespace, DELETE_TOPIC, event.getDescriptorForType().getFullName(), event.toByteArray());
        }
    }
}
