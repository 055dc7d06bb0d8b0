package org.containerj.shell.impl;

import org.apache.felix.service.command.Converter;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;

/**
 * Lets Felix's bundle commands take a bundle by id or symbolic name, as in
 * {@code stop 39} or {@code stop org.containerj.namespaces}. gogo.command has no such
 * converter of its own (gogo.shell, which we do not run, would bring one).
 */
@Component(service = Converter.class, property = Converter.CONVERTER_CLASSES + "=org.osgi.framework.Bundle")
public class BundleConverter implements Converter {
    private BundleContext context;

    @Activate
    void activate(BundleContext context) {
        this.context = context;
    }

    @Override
    public Object convert(Class<?> desiredType, Object in) {
        if (desiredType != Bundle.class) {
            return null;
        }
        String text = String.valueOf(in).trim();
        try {
            return context.getBundle(Long.parseLong(text));
        } catch (NumberFormatException notAnId) {
            Bundle found = null;
            for (Bundle b : context.getBundles()) {
                // With several versions installed, the newest one is meant.
                if (text.equals(b.getSymbolicName())
                        && (found == null || b.getVersion().compareTo(found.getVersion()) > 0)) {
                    found = b;
                }
            }
            return found;
        }
    }

    @Override
    public CharSequence format(Object target, int level, Converter escape) {
        if (target instanceof Bundle b && level == Converter.LINE) {
            return b.getBundleId() + " " + b.getSymbolicName() + " " + b.getVersion();
        }
        return null;
    }
}
