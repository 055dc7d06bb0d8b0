package org.containerj.content.impl;

import java.util.Collection;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

import org.containerj.api.content.ContentStore;
import org.containerj.api.content.Digest;
import org.containerj.api.content.NamespacedContentStore;
import org.containerj.api.events.EventPublisher;
import org.containerj.api.gc.GarbageCollector;
import org.containerj.api.metadata.MetadataStore;
import org.containerj.api.plugin.PluginProperties;
import org.containerj.api.plugin.PluginTypes;
import org.containerj.proto.events.ContentDelete;
import org.osgi.service.component.ComponentContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.tinylog.Logger;

/**
 * The plugin {@code io.containerd.service.v1} {@code content-service}: the namespaced
 * content store ({@link MetadataContentStore}) over the metadata store and the content
 * plugin {@code io.containerd.content.v1.content} (the reference's target can be
 * configured to another content plugin with the component property
 * {@code content.target}). Deleting content publishes
 * {@code /content/delete} when the event exchange is there, and asks the garbage
 * collector (when there is one) for a run, as containerd's metadata store does: what only
 * the deleted blob referenced, and anything else unreferenced, goes with that run.
 */
@Component(service = NamespacedContentStore.class,
        configurationPid = ContentServicePlugin.METADATA_PID, configurationPolicy = ConfigurationPolicy.OPTIONAL,
        property = {
        PluginProperties.TYPE + "=" + PluginTypes.SERVICE,
        PluginProperties.ID + "=" + ContentServicePlugin.ID,
        PluginProperties.REQUIRES + "=" + PluginTypes.METADATA + ".bolt",
        PluginProperties.REQUIRES + "=" + PluginTypes.CONTENT + "." + LocalContentPlugin.ID },
        // Looked up at delete time, not bound: the collector's content collector refers back to
        // this service, and with both references bound SCR breaks the cycle at start-up by leaving
        // the collector's side unbound (then blob files are never removed).
        reference = @Reference(name = "gc", service = GarbageCollector.class,
                cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC))
public class ContentServicePlugin implements NamespacedContentStore {
    public static final String ID = "content-service";
    static final String DELETE_TOPIC = "/content/delete";
    /** containerd configures content sharing in the metadata plugin's table; so do we. */
    static final String METADATA_PID = PluginTypes.METADATA + ".bolt";
    static final String SHARING_POLICY = "content_sharing_policy";

    private final MetadataContentStore store;

    /** Events are published when the exchange is there; content works without it. */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private volatile EventPublisher events;

    /** Asked for a run after a delete when it is there; content works without it. */
    private final Supplier<GarbageCollector> gc;

    @Activate
    public ContentServicePlugin(@Reference(name = "metadata") MetadataStore metadata,
            @Reference(name = "content", target = "(&(" + PluginProperties.TYPE + "=" + PluginTypes.CONTENT + ")("
                    + PluginProperties.ID + "=" + LocalContentPlugin.ID + "))") ContentStore content,
            Map<String, Object> config, ComponentContext context) {
        this(metadata, content, config, () -> context.locateService("gc"));
    }

    private ContentServicePlugin(MetadataStore metadata, ContentStore content, Map<String, Object> config,
            Supplier<GarbageCollector> gc) {
        this.gc = gc;
        this.store = new MetadataContentStore(metadata, content, this::deleted);
        modified(config);
    }

    /** For tests: the plugin with a given publisher and collector (either may be null). */
    ContentServicePlugin(MetadataStore metadata, ContentStore content, EventPublisher events, GarbageCollector gc) {
        this(metadata, content, Map.<String, Object>of(), () -> gc);
        this.events = events;
    }

    /** A new content_sharing_policy applies to writers opened from now on; a bad value keeps the old one. */
    @Modified
    void modified(Map<String, Object> config) {
        Object policy = config.getOrDefault(SHARING_POLICY, "shared");
        switch (String.valueOf(policy)) {
            case "shared" -> store.setSharing(true);
            case "isolated" -> store.setSharing(false);
            default -> {
                Logger.tag(ID).error("{}: unknown {} {}, keeping {}", METADATA_PID, SHARING_POLICY, policy,
                        store.sharing() ? "shared" : "isolated");
                return;
            }
        }
        Logger.tag(ID).info("{} is {}", SHARING_POLICY, store.sharing() ? "shared" : "isolated");
    }

    @Override
    public ContentStore forNamespace(String namespace, String lease) {
        return store.forNamespace(namespace, lease);
    }

    @Override
    public Set<Digest> removeUnreferenced(Collection<Digest> digests) {
        return store.removeUnreferenced(digests);
    }

    private void deleted(String namespace, Digest digest) {
        EventPublisher publisher = events;
        if (publisher != null) {
            ContentDelete event = ContentDelete.newBuilder().setDigest(digest.toString()).build();
            publisher.publish(namespace, DELETE_TOPIC, event.getDescriptorForType().getFullName(), event.toByteArray());
        }
        GarbageCollector collector = gc.get();
        if (collector != null) {
            collector.schedule();
        }
    }
}
