package org.containerj.itests.plugin;

import java.util.Hashtable;

import org.containerj.api.metadata.Key;
import org.containerj.api.metadata.MetadataLayout;
import org.containerj.api.metadata.MetadataStore;
import org.osgi.framework.BundleActivator;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.ServiceRegistration;
import org.osgi.util.tracker.ServiceTracker;
import org.osgi.util.tracker.ServiceTrackerCustomizer;

/**
 * The seeder test bundle's activator (see {@code TestPluginJar.seeder}): puts an image
 * record into the namespace named by the manifest header {@value #NAMESPACE_HEADER}
 * through the public {@link MetadataStore} service, so that the namespace "still holds
 * something" before the daemon has an images API; removes it again when stopped. Once
 * the record is written it registers the plugin {@value #TYPE} {@value #ID}, which is how
 * a test knows the namespace is seeded; when stopped, it removes the record before the
 * plugin, so the plugin's absence means the record is gone.
 */
public final class SeederActivator implements BundleActivator,
        ServiceTrackerCustomizer<MetadataStore, MetadataStore> {
    public static final String NAMESPACE_HEADER = "Itest-Seed-Namespace";
    public static final String TYPE = "io.containerd.internal.v1";
    public static final String ID = "itest-seeder";
    public static final String IMAGE = "itest-seeded-image";

    private BundleContext context;
    private String namespace;
    private ServiceTracker<MetadataStore, MetadataStore> tracker;
    private ServiceRegistration<SeederActivator> registration;

    @Override
    public void start(BundleContext context) {
        this.context = context;
        this.namespace = context.getBundle().getHeaders().get(NAMESPACE_HEADER);
        tracker = new ServiceTracker<>(context, MetadataStore.class, this);
        tracker.open();
    }

    @Override
    public void stop(BundleContext context) {
        // the record goes first: a test takes the plugin's absence to mean "no longer seeded"
        MetadataStore store = tracker.getService();
        if (store != null) {
            store.update(tx -> tx.delete(imageKey()));
        }
        unregister();
        tracker.close();
    }

    @Override
    public synchronized MetadataStore addingService(ServiceReference<MetadataStore> reference) {
        MetadataStore store = context.getService(reference);
        store.update(tx -> {
            tx.putIfAbsent(MetadataLayout.namespaceLabels(namespace), new byte[0]);
            tx.put(imageKey(), new byte[0]);
            return null;
        });
        if (registration == null) {
            Hashtable<String, Object> properties = new Hashtable<>();
            properties.put("containerj.plugin.type", TYPE);
            properties.put("containerj.plugin.id", ID);
            properties.put("containerj.plugin.export.namespace", namespace);
            registration = context.registerService(SeederActivator.class, this, properties);
        }
        return store;
    }

    @Override
    public void modifiedService(ServiceReference<MetadataStore> reference, MetadataStore service) {
    }

    @Override
    public void removedService(ServiceReference<MetadataStore> reference, MetadataStore service) {
        unregister();
        context.ungetService(reference);
    }

    private synchronized void unregister() {
        if (registration != null) {
            try {
                registration.unregister();
            } catch (IllegalStateException alreadyGone) {
                // the bundle is stopping
            }
            registration = null;
        }
    }

    private Key imageKey() {
        return MetadataLayout.bucket(namespace, MetadataLayout.IMAGES, IMAGE);
    }
}
