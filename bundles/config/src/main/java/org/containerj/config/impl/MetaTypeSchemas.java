package org.containerj.config.impl;

import java.util.HashMap;
import java.util.Map;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.service.metatype.MetaTypeInformation;
import org.osgi.service.metatype.MetaTypeService;
import org.osgi.service.metatype.ObjectClassDefinition;
import org.tinylog.Logger;

/**
 * {@link PluginSchemas} from the Metatype Service, indexed once over the installed bundles.
 * The only class that loads metatype types: the package is imported dynamically, so the
 * bundle runs without it.
 */
final class MetaTypeSchemas implements PluginSchemas {

    private final Map<String, MetaTypeInformation> byPid = new HashMap<>();

    private MetaTypeSchemas(BundleContext context, MetaTypeService metaType) {
        for (Bundle bundle : context.getBundles()) {
            try {
                MetaTypeInformation info = metaType.getMetaTypeInformation(bundle);
                String[] pids = info == null ? null : info.getPids();
                if (pids != null) {
                    for (String pid : pids) {
                        byPid.putIfAbsent(pid, info);
                    }
                }
            } catch (RuntimeException e) {
                Logger.debug(e, "config: cannot read the metatype of bundle {}", bundle.getSymbolicName());
            }
        }
    }

    /**
     * @param metaType the Metatype Service object
     * @throws NoClassDefFoundError when the metatype package is not available to this bundle
     */
    static PluginSchemas of(BundleContext context, Object metaType) {
        return new MetaTypeSchemas(context, (MetaTypeService) metaType);
    }

    @Override
    public void check(String pid, Map<String, Object> properties, KeyPath path, ProblemList problems) {
        MetaTypeInformation info = byPid.get(pid);
        if (info == null) {
            return;
        }
        ObjectClassDefinition ocd;
        try {
            ocd = info.getObjectClassDefinition(pid, null);
        } catch (RuntimeException e) {
            Logger.debug(e, "config: cannot read the metatype of {}", pid);
            return;
        }
        if (ocd != null) {
            MetaTypeValidator.validate(pid, properties, ocd, path, problems);
        }
    }
}
