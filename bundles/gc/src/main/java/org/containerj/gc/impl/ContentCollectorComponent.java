package org.containerj.gc.impl;

import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

import org.containerj.api.content.ContentStore;
import org.containerj.api.content.NamespacedContentStore;
import org.containerj.api.gc.ResourceCollector;
import org.containerj.api.gc.ResourceRef;
import org.containerj.api.metadata.ReadTransaction;
import org.containerj.api.metadata.WriteTransaction;
import org.containerj.api.plugin.PluginProperties;
import org.containerj.api.plugin.PluginTypes;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;

/**
 * The collector of content and ingests, as a whiteboard service for the scheduler. It
 * works on the metadata records alone; the content plugins, when there, remove the
 * blobs and ingest data underneath.
 */
@Component(service = ResourceCollector.class)
public class ContentCollectorComponent implements ResourceCollector {
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            target = "(" + PluginProperties.ID + "=content-service)")
    private volatile NamespacedContentStore content;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            target = "(&(" + PluginProperties.TYPE + "=" + PluginTypes.CONTENT + ")(" + PluginProperties.ID
                    + "=content))")
    private volatile ContentStore backend;

    private final ContentCollector collector = new ContentCollector(() -> content, () -> backend);

    @Override
    public Set<String> types() {
        return collector.types();
    }

    @Override
    public void roots(ReadTransaction tx, String namespace, Instant now, Consumer<ResourceRef> out) {
        collector.roots(tx, namespace, now, out);
    }

    @Override
    public void references(ReadTransaction tx, ResourceRef node, Consumer<ResourceRef> out) {
        collector.references(tx, node, out);
    }

    @Override
    public List<ResourceRef> sweep(WriteTransaction tx, String namespace, Set<ResourceRef> reachable) {
        return collector.sweep(tx, namespace, reachable);
    }

    @Override
    public void removed(List<ResourceRef> removed) {
        collector.removed(removed);
    }
}
