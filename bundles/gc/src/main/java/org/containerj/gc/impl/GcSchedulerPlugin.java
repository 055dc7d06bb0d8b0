package org.containerj.gc.impl;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import org.containerj.api.gc.CollectionResult;
import org.containerj.api.gc.GarbageCollector;
import org.containerj.api.gc.ResourceCollector;
import org.containerj.api.metadata.MetadataStore;
import org.containerj.api.plugin.PluginProperties;
import org.containerj.api.plugin.PluginTypes;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.tinylog.Logger;

/**
 * The plugin {@code io.containerd.gc.v1} {@code scheduler}: collections of the metadata
 * store by the {@link ResourceCollector}s registered (a whiteboard), configured by the
 * PID {@code io.containerd.gc.v1.scheduler} with containerd's keys {@code startup_delay}
 * (default 100ms) and {@code schedule_delay} (default 100ms here, 0 in containerd: the
 * wait after a delete asks for a run, so that a burst makes one), as Go durations, or
 * containerd 1.6's {@code startup_delay_ms} and {@code schedule_delay_ms} in milliseconds. {@code pause_threshold},
 * {@code deletion_threshold} and {@code mutation_threshold} are accepted and ignored:
 * collections run at start and when a delete asks for one.
 */
@Component(service = GarbageCollector.class, configurationPid = GcSchedulerPlugin.PID,
        configurationPolicy = ConfigurationPolicy.OPTIONAL, property = {
        PluginProperties.TYPE + "=" + PluginTypes.GC,
        PluginProperties.ID + "=scheduler",
        PluginProperties.REQUIRES + "=" + PluginTypes.METADATA + ".bolt" })
public class GcSchedulerPlugin implements GarbageCollector {
    static final String PID = PluginTypes.GC + ".scheduler";
    static final Duration DEFAULT_STARTUP_DELAY = Duration.ofMillis(100);
    static final Duration DEFAULT_SCHEDULE_DELAY = Duration.ofMillis(100);

    private final List<ResourceCollector> collectors = new CopyOnWriteArrayList<>();
    private final GcScheduler scheduler;

    @Activate
    public GcSchedulerPlugin(@Reference(name = "metadata") MetadataStore metadata, Map<String, Object> config) {
        MetadataCollector collector = new MetadataCollector(metadata, () -> collectors);
        this.scheduler = new GcScheduler(collector::collect,
                GcScheduler.durationOf(config, "startup_delay", DEFAULT_STARTUP_DELAY),
                GcScheduler.durationOf(config, "schedule_delay", DEFAULT_SCHEDULE_DELAY));
        logIgnored(config);
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    void addCollector(ResourceCollector collector) {
        collectors.add(collector);
    }

    void removeCollector(ResourceCollector collector) {
        collectors.remove(collector);
    }

    @Modified
    void modified(Map<String, Object> config) {
        scheduler.setScheduleDelay(GcScheduler.durationOf(config, "schedule_delay", DEFAULT_SCHEDULE_DELAY));
        logIgnored(config);
    }

    private static void logIgnored(Map<String, Object> config) {
        for (String key : List.of("pause_threshold", "deletion_threshold", "mutation_threshold")) {
            if (config.containsKey(key)) {
                Logger.info("{}: {} is accepted but not applied", PID, key);
            }
        }
    }

    @Deactivate
    void deactivate() {
        scheduler.close();
    }

    @Override
    public void schedule() {
        scheduler.schedule();
    }

    @Override
    public CollectionResult collect() {
        return scheduler.collect();
    }
}
