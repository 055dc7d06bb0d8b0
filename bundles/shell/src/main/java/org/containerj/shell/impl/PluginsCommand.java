package org.containerj.shell.impl;

import org.containerj.api.plugin.PluginCatalog;
import org.containerj.api.plugin.PluginInfo;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;

import java.util.List;
import java.util.Locale;

/**
 * {@code plugins}: the plugin graph as {@code ctr plugins ls} shows it, plus the bundle
 * each plugin comes from, and why a plugin is skipped or failed.
 *
 * <p>The graph comes from the {@link PluginCatalog} service, which reads registered
 * plugin services and inactive DS components from the Service Component Runtime on
 * every call, so that the shell and introspection never disagree.
 */
@Component(service = PluginsCommand.class, property = {
        "osgi.command.scope=containerj",
        "osgi.command.function=plugins"})
public final class PluginsCommand {

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile PluginCatalog catalog;

    public String plugins() {
        PluginCatalog c = catalog;
        if (c == null) {
            throw new IllegalStateException("no plugin catalog: bundle org.containerj.api-server is not active");
        }
        return format(c.plugins());
    }

    static String format(List<PluginInfo> plugins) {
        Table t = new Table("TYPE", "ID", "PLATFORMS", "STATUS", "BUNDLE", "REASON");
        for (PluginInfo p : plugins) {
            t.row(p.type(), p.id(), p.platforms().isEmpty() ? "-" : String.join(",", p.platforms()),
                    p.status().name().toLowerCase(Locale.ROOT), p.bundle() + " " + p.bundleVersion(), p.reason());
        }
        return t.toString();
    }
}
