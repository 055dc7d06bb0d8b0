package org.containerj.leases.impl;

import java.util.List;
import java.util.Map;

import org.containerj.api.leases.Lease;
import org.containerj.api.leases.LeaseManager;
import org.containerj.api.leases.LeaseResource;
import org.containerj.api.metadata.MetadataStore;
import org.containerj.api.plugin.PluginProperties;
import org.containerj.api.plugin.PluginTypes;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/** The lease manager plugin ({@code io.containerd.lease.v1.manager}) on the metadata store. */
@Component(service = LeaseManager.class, property = {
        PluginProperties.TYPE + "=" + PluginTypes.LEASE,
        PluginProperties.ID + "=manager",
        PluginProperties.REQUIRES + "=" + PluginTypes.METADATA + ".bolt" })
public class LeaseManagerComponent implements LeaseManager {
    private final MetadataLeaseManager leases;

    @Activate
    public LeaseManagerComponent(@Reference MetadataStore store) {
        this.leases = new MetadataLeaseManager(store);
    }

    @Override
    public Lease create(String namespace, String id, Map<String, String> labels) {
        return leases.create(namespace, id, labels);
    }

    @Override
    public void delete(String namespace, String id) {
        leases.delete(namespace, id);
    }

    @Override
    public List<Lease> list(String namespace, List<String> filters) {
        return leases.list(namespace, filters);
    }

    @Override
    public void addResource(String namespace, String id, LeaseResource resource) {
        leases.addResource(namespace, id, resource);
    }

    @Override
    public void deleteResource(String namespace, String id, LeaseResource resource) {
        leases.deleteResource(namespace, id, resource);
    }

    @Override
    public List<LeaseResource> listResources(String namespace, String id) {
        return leases.listResources(namespace, id);
    }
}
