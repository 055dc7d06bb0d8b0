package org.containerj.itests.plugin;

import java.util.Hashtable;

import org.osgi.framework.BundleActivator;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;

/**
 * The test plugin bundle's activator (see {@code TestPluginJar}): registers a plugin
 * service the plain way, without Declarative Services. Nothing consumes plugins of type
 * {@value #TYPE}, so it disturbs nothing in the daemon.
 */
public final class DropinActivator implements BundleActivator {
    public static final String TYPE = "io.containerd.internal.v1";
    public static final String ID = "itest-dropin";

    private ServiceRegistration<DropinActivator> registration;

    @Override
    public void start(BundleContext context) {
        Hashtable<String, Object> properties = new Hashtable<>();
        properties.put("containerj.plugin.type", TYPE);
        properties.put("containerj.plugin.id", ID);
        properties.put("containerj.plugin.export.origin", "itests");
        registration = context.registerService(DropinActivator.class, this, properties);
    }

    @Override
    public void stop(BundleContext context) {
        if (registration != null) {
            registration.unregister();
            registration = null;
        }
    }
}
