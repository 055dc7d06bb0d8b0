package org.containerj.config.impl;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Dictionary;
import java.util.Enumeration;
import java.util.Hashtable;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.osgi.framework.Constants;
import org.osgi.framework.Filter;
import org.osgi.framework.FrameworkUtil;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;

/** An in-memory Configuration Admin that behaves like Felix's for what the config bundle uses. */
final class FakeConfigurationAdmin implements ConfigurationAdmin {

    final Map<String, FakeConfiguration> configurations = new LinkedHashMap<>();
    final List<String> log = new ArrayList<>();

    /** The stored properties of a PID, without service.*, or null. */
    Map<String, Object> properties(String pid) {
        FakeConfiguration c = configurations.get(pid);
        if (c == null || c.properties == null) {
            return null;
        }
        Map<String, Object> m = new LinkedHashMap<>();
        for (Enumeration<String> e = c.properties.keys(); e.hasMoreElements();) {
            String k = e.nextElement();
            m.put(k, c.properties.get(k));
        }
        return m;
    }

    /** Stores a configuration as another bundle (or the shell) would. */
    void put(String pid, Map<String, Object> props) throws IOException {
        getConfiguration(pid, null).update(new Hashtable<>(props));
    }

    @Override
    public Configuration createFactoryConfiguration(String factoryPid) {
        throw new UnsupportedOperationException();
    }

    @Override
    public Configuration createFactoryConfiguration(String factoryPid, String location) {
        throw new UnsupportedOperationException();
    }

    @Override
    public Configuration getConfiguration(String pid, String location) {
        return configurations.computeIfAbsent(pid, p -> new FakeConfiguration(p, null, location));
    }

    @Override
    public Configuration getConfiguration(String pid) {
        return getConfiguration(pid, null);
    }

    @Override
    public Configuration getFactoryConfiguration(String factoryPid, String name, String location) {
        String pid = factoryPid + "~" + name;
        return configurations.computeIfAbsent(pid, p -> new FakeConfiguration(p, factoryPid, location));
    }

    @Override
    public Configuration getFactoryConfiguration(String factoryPid, String name) {
        return getFactoryConfiguration(factoryPid, name, null);
    }

    @Override
    public Configuration[] listConfigurations(String filter) throws InvalidSyntaxException {
        Filter f = filter == null ? null : FrameworkUtil.createFilter(filter);
        List<Configuration> out = new ArrayList<>();
        for (FakeConfiguration c : configurations.values()) {
            if (c.properties != null && (f == null || f.match(c.getProperties()))) {
                out.add(c);
            }
        }
        return out.isEmpty() ? null : out.toArray(new Configuration[0]);
    }

    final class FakeConfiguration implements Configuration {
        final String pid;
        final String factoryPid;
        final String location;
        Hashtable<String, Object> properties;

        FakeConfiguration(String pid, String factoryPid, String location) {
            this.pid = pid;
            this.factoryPid = factoryPid;
            this.location = location;
        }

        @Override
        public String getPid() {
            return pid;
        }

        @Override
        public Dictionary<String, Object> getProperties() {
            if (properties == null) {
                return null;
            }
            Hashtable<String, Object> copy = new Hashtable<>(properties);
            copy.put(Constants.SERVICE_PID, pid);
            if (factoryPid != null) {
                copy.put(SERVICE_FACTORYPID, factoryPid);
            }
            return copy;
        }

        @Override
        public Dictionary<String, Object> getProcessedProperties(ServiceReference<?> reference) {
            return getProperties();
        }

        @Override
        public void update(Dictionary<String, ?> props) {
            Hashtable<String, Object> copy = new Hashtable<>();
            for (Enumeration<String> e = props.keys(); e.hasMoreElements();) {
                String k = e.nextElement();
                copy.put(k, props.get(k));
            }
            properties = copy;
            log.add("update " + pid);
        }

        @Override
        public void delete() {
            configurations.remove(pid);
            log.add("delete " + pid);
        }

        @Override
        public String getFactoryPid() {
            return factoryPid;
        }

        @Override
        public void update() {
        }

        @Override
        public boolean updateIfDifferent(Dictionary<String, ?> props) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void setBundleLocation(String loc) {
            throw new UnsupportedOperationException();
        }

        @Override
        public String getBundleLocation() {
            return location;
        }

        @Override
        public long getChangeCount() {
            return 0;
        }

        @Override
        public void addAttributes(ConfigurationAttribute... attrs) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Set<ConfigurationAttribute> getAttributes() {
            return Collections.emptySet();
        }

        @Override
        public void removeAttributes(ConfigurationAttribute... attrs) {
            throw new UnsupportedOperationException();
        }
    }
}
