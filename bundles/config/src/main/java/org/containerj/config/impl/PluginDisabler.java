package org.containerj.config.impl;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.osgi.service.component.runtime.ServiceComponentRuntime;
import org.osgi.service.component.runtime.dto.ComponentDescriptionDTO;
import org.tinylog.Logger;

/**
 * Applies {@code disabled_plugins}: disables, through {@link ServiceComponentRuntime}, every DS
 * component whose component properties name a disabled plugin ({@value #TYPE} + "." +
 * {@value #ID}, or {@value #ID} alone for an entry that is a bare id), and enables again the ones it disabled once they leave the list. Components
 * it did not disable are never enabled. Call {@link #sweep()} when bundles start, so that a
 * plugin installed later is disabled too.
 */
public final class PluginDisabler {

    /** Component property naming the plugin type, as in core-api's PluginProperties. */
    public static final String TYPE = "containerj.plugin.type";
    /** Component property naming the plugin id. */
    public static final String ID = "containerj.plugin.id";

    private Set<String> disabled = Set.of();
    private ServiceComponentRuntime scr;
    /** Components this disabler disabled: bundle id + "/" + component name. */
    private final Set<String> disabledByUs = new HashSet<>();

    /** Sets the plugins to disable ({@code <type>.<id>}, or a bare id) and applies the list. */
    public synchronized void setDisabled(List<String> pluginUris) {
        this.disabled = Set.copyOf(pluginUris);
        sweep();
    }

    public synchronized void setRuntime(ServiceComponentRuntime runtime) {
        this.scr = runtime;
        sweep();
    }

    /** Forgets {@code runtime} if it is the current one. */
    public synchronized void unsetRuntime(ServiceComponentRuntime runtime) {
        if (this.scr == runtime) {
            this.scr = null;
        }
    }

    /** Disables and enables components so that they match the list. */
    public synchronized void sweep() {
        if (scr == null) {
            return;
        }
        for (ComponentDescriptionDTO d : scr.getComponentDescriptionDTOs()) {
            String uri = pluginUri(d.properties);
            if (uri == null) {
                continue;
            }
            String key = d.bundle.id + "/" + d.name;
            try {
                boolean enabled = scr.isComponentEnabled(d);
                if (disabled.contains(uri) || disabled.contains(String.valueOf(d.properties.get(ID)))) {
                    if (enabled) {
                        scr.disableComponent(d);
                        disabledByUs.add(key);
                        Logger.info("plugin {} disabled by disabled_plugins (component {} of bundle {})",
                            uri, d.name, d.bundle.symbolicName);
                    }
                } else if (disabledByUs.remove(key) && !enabled) {
                    scr.enableComponent(d);
                    Logger.info("plugin {} enabled again: no longer in disabled_plugins (component {} of bundle {})",
                        uri, d.name, d.bundle.symbolicName);
                }
            } catch (RuntimeException e) {
                // the bundle went away in the meantime
                Logger.debug(e, "cannot change component {} of bundle {}", d.name, d.bundle.symbolicName);
            }
        }
    }

    static String pluginUri(Map<String, Object> properties) {
        if (properties == null) {
            return null;
        }
        Object type = properties.get(TYPE);
        Object id = properties.get(ID);
        if (type == null || id == null) {
            return null;
        }
        return type + "." + id;
    }
}
