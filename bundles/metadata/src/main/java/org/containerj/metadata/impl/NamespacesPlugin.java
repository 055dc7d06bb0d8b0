package org.containerj.metadata.impl;

import java.util.List;
import java.util.Map;

import org.containerj.api.metadata.MetadataStore;
import org.containerj.api.namespaces.Namespace;
import org.containerj.api.namespaces.NamespaceStore;
import org.containerj.api.plugin.PluginProperties;
import org.containerj.api.plugin.PluginTypes;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * The plugin {@code io.containerd.service.v1.namespaces-service}: the
 * {@link NamespaceStore} service on the metadata store. Goes away with the store.
 */
@Component(
        service = NamespaceStore.class,
        property = {
            PluginProperties.TYPE + "=" + PluginTypes.SERVICE,
            PluginProperties.ID + "=" + NamespacesPlugin.ID,
            PluginProperties.REQUIRES + "=" + PluginTypes.METADATA + ".*"
        })
public final class NamespacesPlugin implements NamespaceStore {

    public static final String ID = "namespaces-service";

    private static final String BOLT = "(&(" + PluginProperties.TYPE + "=" + PluginTypes.METADATA + ")("
            + PluginProperties.ID + "=" + BoltPlugin.ID + "))";

    private final NamespaceStore namespaces;

    @Activate
    public NamespacesPlugin(@Reference(name = "store", target = BOLT) MetadataStore store) {
        this.namespaces = new MetadataNamespaceStore(store);
    }

    @Override
    public Namespace create(String name, Map<String, String> labels) {
        return namespaces.create(name, labels);
    }

    @Override
    public Namespace get(String name) {
        return namespaces.get(name);
    }

    @Override
    public List<Namespace> list() {
        return namespaces.list();
    }

    @Override
    public Namespace setLabel(String name, String key, String value) {
        return namespaces.setLabel(name, key, value);
    }

    @Override
    public Namespace update(String name, Map<String, String> labels, List<String> fieldPaths) {
        return namespaces.update(name, labels, fieldPaths);
    }

    @Override
    public void delete(String name) {
        namespaces.delete(name);
    }
}
