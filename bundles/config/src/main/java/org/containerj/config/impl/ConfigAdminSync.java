package org.containerj.config.impl;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Dictionary;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

import org.osgi.framework.Constants;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;

/**
 * Makes Configuration Admin hold what the file says. Every configuration it writes carries
 * {@value #SOURCE} (the main file's path) and is bound to location {@code "?"}, so that any
 * bundle can use it. A configuration is updated only when its properties differ; one that
 * carries {@value #SOURCE} but is no longer wanted is deleted. Configurations without the
 * marker (made by someone else) are never deleted.
 */
public final class ConfigAdminSync {

    /** Marks configurations made from the file; the value is the main file's path. */
    public static final String SOURCE = "containerj.config.source";

    /** The marker's value when there is no file. */
    public static final String NO_FILE = "(none)";

    /** Location that lets any bundle bind the configuration. */
    static final String ANY_LOCATION = "?";

    private static final Set<String> IGNORED = Set.of(
        Constants.SERVICE_PID, ConfigurationAdmin.SERVICE_FACTORYPID, ConfigurationAdmin.SERVICE_BUNDLELOCATION);

    /**
     * The PIDs written and deleted by one {@link #apply}, in the order they were handled.
     *
     * @param changed configurations created or updated
     * @param removed configurations deleted
     */
    public record Result(List<String> changed, List<String> removed) {
        public Result {
            changed = List.copyOf(changed);
            removed = List.copyOf(removed);
        }
    }

    private final ConfigurationAdmin configAdmin;

    public ConfigAdminSync(ConfigurationAdmin configAdmin) {
        this.configAdmin = configAdmin;
    }

    /**
     * Applies the wanted configurations.
     *
     * @param source the marker value ({@link #SOURCE})
     * @param configurations the wanted configurations by PID
     * @param factoryPid the factory PID of {@code factoryConfigurations}
     * @param factoryConfigurations the wanted factory configurations by name
     * @return what changed
     * @throws IOException when Configuration Admin cannot store a configuration; the ones
     *         handled before stay applied
     */
    public Result apply(String source, Map<String, ? extends Map<String, Object>> configurations,
                        String factoryPid, Map<String, ? extends Map<String, Object>> factoryConfigurations)
        throws IOException {
        Map<String, Configuration> stale = new HashMap<>();
        for (Configuration c : marked()) {
            stale.put(c.getPid(), c);
        }
        List<String> changed = new ArrayList<>();
        for (Map.Entry<String, ? extends Map<String, Object>> e : configurations.entrySet()) {
            Configuration c = configAdmin.getConfiguration(e.getKey(), ANY_LOCATION);
            stale.remove(c.getPid());
            if (update(c, source, e.getValue())) {
                changed.add(c.getPid());
            }
        }
        for (Map.Entry<String, ? extends Map<String, Object>> e : factoryConfigurations.entrySet()) {
            Configuration c = configAdmin.getFactoryConfiguration(factoryPid, e.getKey(), ANY_LOCATION);
            stale.remove(c.getPid());
            if (update(c, source, e.getValue())) {
                changed.add(c.getPid());
            }
        }
        List<String> removed = new ArrayList<>();
        for (Configuration c : stale.values().stream()
                 .sorted((a, b) -> a.getPid().compareTo(b.getPid())).toList()) {
            String pid = c.getPid();
            c.delete();
            removed.add(pid);
        }
        return new Result(changed, removed);
    }

    private List<Configuration> marked() throws IOException {
        try {
            Configuration[] found = configAdmin.listConfigurations("(" + SOURCE + "=*)");
            return found == null ? List.of() : List.of(found);
        } catch (InvalidSyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static boolean update(Configuration c, String source, Map<String, Object> wanted) throws IOException {
        Hashtable<String, Object> properties = new Hashtable<>(wanted);
        properties.put(SOURCE, source);
        if (same(c.getProperties(), properties)) {
            return false;
        }
        c.update(properties);
        return true;
    }

    /** Whether a configuration's current properties are the wanted ones (service.* aside). */
    static boolean same(Dictionary<String, Object> current, Map<String, Object> wanted) {
        if (current == null) {
            return false;
        }
        int count = 0;
        for (Enumeration<String> keys = current.keys(); keys.hasMoreElements();) {
            String key = keys.nextElement();
            if (IGNORED.contains(key)) {
                continue;
            }
            count++;
            if (!wanted.containsKey(key) || !Objects.deepEquals(current.get(key), wanted.get(key))) {
                return false;
            }
        }
        return count == wanted.size();
    }
}
