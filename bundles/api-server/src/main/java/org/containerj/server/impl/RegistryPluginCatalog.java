package org.containerj.server.impl;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.containerj.api.plugin.PluginCatalog;
import org.containerj.api.plugin.PluginInfo;
import org.containerj.api.plugin.PluginProperties;
import org.containerj.api.plugin.PluginSkippedException;
import org.containerj.api.plugin.PluginStatus;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.runtime.ServiceComponentRuntime;
import org.osgi.service.component.runtime.dto.ComponentConfigurationDTO;
import org.osgi.service.component.runtime.dto.ComponentDescriptionDTO;
import org.osgi.service.component.runtime.dto.UnsatisfiedReferenceDTO;

/**
 * The plugin graph, read live on every call: registered services carrying plugin
 * properties are {@code ok}; Declarative Services components that declare plugin
 * properties but are not serving are {@code skip} (something they need is missing, or
 * they do not apply here) or {@code error} (their activation failed, with the reason).
 */
@Component(service = PluginCatalog.class)
public class RegistryPluginCatalog implements PluginCatalog {
    private static final String HOST_PLATFORM = "linux/" + hostArchitecture();

    private BundleContext context;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private volatile ServiceComponentRuntime scr;

    @Activate
    void activate(BundleContext context) {
        this.context = context;
    }

    @Override
    public List<PluginInfo> plugins() {
        Map<String, PluginInfo> plugins = new LinkedHashMap<>();
        for (ServiceReference<?> ref : pluginServices()) {
            PluginInfo info = fromProperties(key -> ref.getProperty(key), ref.getPropertyKeys(), ref.getBundle(),
                    PluginStatus.OK, "");
            if (info != null) {
                plugins.putIfAbsent(info.uri(), info);
            }
        }
        ServiceComponentRuntime runtime = scr;
        if (runtime != null) {
            for (ComponentDescriptionDTO description : runtime.getComponentDescriptionDTOs()) {
                if (!description.properties.containsKey(PluginProperties.TYPE)) {
                    continue;
                }
                Map<String, Object> props = description.properties;
                Bundle bundle = context.getBundle(description.bundle.id);
                for (ComponentConfigurationDTO configuration : runtime.getComponentConfigurationDTOs(description)) {
                    String[] why = notServing(configuration);
                    if (why == null) {
                        continue;
                    }
                    PluginInfo info = fromProperties(props::get, props.keySet().toArray(String[]::new), bundle,
                            PluginStatus.valueOf(why[0]), why[1]);
                    if (info != null) {
                        // SCR may keep the service of a component whose activation failed
                        // registered; the failure is the truth about that plugin.
                        if (configuration.state == ComponentConfigurationDTO.FAILED_ACTIVATION) {
                            plugins.put(info.uri(), info);
                        } else {
                            plugins.putIfAbsent(info.uri(), info);
                        }
                    }
                }
            }
        }
        List<PluginInfo> result = new ArrayList<>(plugins.values());
        result.sort(Comparator.comparing(PluginInfo::type).thenComparing(PluginInfo::id));
        return result;
    }

    private List<ServiceReference<?>> pluginServices() {
        try {
            ServiceReference<?>[] refs = context.getAllServiceReferences(null, "(" + PluginProperties.TYPE + "=*)");
            return refs == null ? List.of() : List.of(refs);
        } catch (InvalidSyntaxException e) {
            throw new IllegalStateException(e);
        } catch (IllegalStateException stopping) {
            return List.of();
        }
    }

    /** {status, reason} for a component configuration that is not serving; null when it is. */
    static String[] notServing(ComponentConfigurationDTO configuration) {
        switch (configuration.state) {
            case ComponentConfigurationDTO.UNSATISFIED_REFERENCE: {
                List<String> missing = new ArrayList<>();
                for (UnsatisfiedReferenceDTO ref : configuration.unsatisfiedReferences) {
                    missing.add(ref.name + (ref.target == null ? "" : " " + ref.target));
                }
                return new String[] {"SKIP", "missing requirement " + String.join(", ", missing) + ": skip plugin"};
            }
            case ComponentConfigurationDTO.UNSATISFIED_CONFIGURATION:
                return new String[] {"SKIP", "no configuration: skip plugin"};
            case ComponentConfigurationDTO.FAILED_ACTIVATION: {
                String failure = configuration.failure == null ? "activation failed" : configuration.failure;
                // The skip may be wrapped (a constructor's InvocationTargetException): look at every cause.
                String skipped = causeLine(failure, PluginSkippedException.class.getName());
                if (skipped != null) {
                    return new String[] {"SKIP", afterColon(skipped) + ": skip plugin"};
                }
                return new String[] {"ERROR", firstLine(failure)};
            }
            default:
                return null; // satisfied or active: its service is (or is about to be) registered
        }
    }

    private static PluginInfo fromProperties(java.util.function.Function<String, Object> get, String[] keys,
            Bundle bundle, PluginStatus status, String reason) {
        Object type = get.apply(PluginProperties.TYPE);
        Object id = get.apply(PluginProperties.ID);
        if (!(type instanceof String) || !(id instanceof String)) {
            return null;
        }
        Map<String, String> exports = new LinkedHashMap<>();
        for (String key : keys) {
            if (key.startsWith(PluginProperties.EXPORT_PREFIX)) {
                exports.put(key.substring(PluginProperties.EXPORT_PREFIX.length()), String.valueOf(get.apply(key)));
            }
        }
        List<String> platforms = strings(get.apply(PluginProperties.PLATFORMS));
        if (platforms.size() == 1 && platforms.get(0).equals("host")) {
            platforms = List.of(HOST_PLATFORM);
        }
        return new PluginInfo((String) type, (String) id, strings(get.apply(PluginProperties.REQUIRES)), platforms,
                exports, strings(get.apply(PluginProperties.CAPABILITIES)), status, reason,
                bundle == null ? "" : bundle.getSymbolicName(),
                bundle == null ? "" : bundle.getVersion().toString());
    }

    private static List<String> strings(Object value) {
        if (value instanceof String[] array) {
            return List.of(array);
        }
        if (value instanceof String s && !s.isEmpty()) {
            return List.of(s);
        }
        if (value instanceof java.util.Collection<?> c) {
            return c.stream().map(String::valueOf).toList();
        }
        return List.of();
    }

    /** The first line of a stack trace text that names {@code exception}, or null. */
    private static String causeLine(String trace, String exception) {
        for (String line : trace.split("\n")) {
            String l = line.trim();
            if (l.startsWith("Caused by: ")) {
                l = l.substring("Caused by: ".length());
            }
            if (l.startsWith(exception)) {
                return l;
            }
        }
        return null;
    }

    private static String firstLine(String s) {
        int nl = s.indexOf('\n');
        return (nl < 0 ? s : s.substring(0, nl)).trim();
    }

    private static String afterColon(String s) {
        int colon = s.indexOf(": ");
        return colon < 0 ? s : s.substring(colon + 2);
    }

    private static String hostArchitecture() {
        String arch = System.getProperty("os.arch", "amd64");
        return switch (arch) {
            case "x86_64", "amd64" -> "amd64";
            case "aarch64" -> "arm64";
            default -> arch;
        };
    }
}
