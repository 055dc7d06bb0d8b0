package org.containerj.runtime.runc.impl;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;

import org.containerj.api.errdefs.ContainerjException;
import org.containerj.api.errdefs.ErrorKind;
import org.containerj.api.events.EventPublisher;
import org.containerj.api.mount.Mounter;
import org.containerj.api.plugin.PluginProperties;
import org.containerj.api.plugin.PluginSkippedException;
import org.containerj.api.plugin.PluginTypes;
import org.containerj.api.runtime.CreateTaskRequest;
import org.containerj.api.runtime.Task;
import org.containerj.api.runtime.TaskManager;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.metatype.annotations.Designate;
import org.tinylog.Logger;

/**
 * The runtime plugin {@code io.containerd.runtime.v2.task}, serving the runtime
 * {@code io.containerd.runc.v2}: tasks on runc, each under its own conmon, with their state
 * in {@code <containerj.state>/io.containerd.runtime.v2.task/}. Stopping the plugin (or
 * the daemon) leaves the containers running; starting it again finds them. Skipped when
 * conmon is missing; a missing runc fails each runc call instead (UNKNOWN, naming the
 * binary, as containerd's shim fails), so that a wrong {@code runc_binary} shows where it
 * is used. Publishes the events only the runtime knows of: {@code /tasks/exit} and
 * {@code /tasks/oom}.
 */
@Component(service = {}, immediate = true, configurationPid = RuncPlugin.PID,
        configurationPolicy = ConfigurationPolicy.OPTIONAL, property = {
                PluginProperties.TYPE + "=" + PluginTypes.RUNTIME,
                PluginProperties.ID + "=" + RuncPlugin.ID,
                TaskManager.RUNTIME_NAME + "=" + RuncTaskManager.RUNTIME })
@Designate(ocd = RuncConfig.class)
public class RuncPlugin implements TaskManager {
    public static final String ID = "task";
    public static final String PID = PluginTypes.RUNTIME + "." + ID;
    static final String STATE_PROPERTY = "containerj.state";
    static final String DEFAULT_STATE = "/run/containerj";

    @Reference
    private Mounter mounter;
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private volatile EventPublisher events;
    private RuncTaskManager manager;
    private ServiceRegistration<TaskManager> registration;

    @Activate
    void activate(BundleContext context, RuncConfig config, Map<String, Object> properties) {
        if (!Files.isExecutable(Path.of(config.conmon__binary()))) {
            throw new PluginSkippedException(config.conmon__binary() + " not found");
        }
        if (!Files.isExecutable(Path.of(config.runc__binary()))) {
            Logger.tag("runtime").warn("runc binary {} not found: tasks cannot be created or managed",
                    config.runc__binary());
        }
        String s = context.getProperty(STATE_PROPERTY);
        Path state = Path.of(s == null || s.isBlank() ? DEFAULT_STATE : s, PID);
        RuncTaskManager.Settings settings = new RuncTaskManager.Settings(config.runc__binary(),
                config.conmon__binary(), Duration.ofSeconds(config.command__timeout()),
                Duration.ofSeconds(config.create__timeout()));
        try {
            manager = new RuncTaskManager(state, mounter, settings, new PublishedTaskEvents(() -> events));
        } catch (IOException e) {
            throw new ContainerjException(ErrorKind.UNKNOWN, "runtime state " + state + ": " + e.getMessage(), e);
        }
        Logger.tag("runtime").info("runc runtime in {}", state);
        Hashtable<String, Object> props = new Hashtable<>();
        properties.forEach((k, v) -> {
            if (k.startsWith("containerj.plugin.") || k.equals(TaskManager.RUNTIME_NAME)) {
                props.put(k, v);
            }
        });
        props.put(PluginProperties.EXPORT_PREFIX + "state", state.toString());
        registration = context.registerService(TaskManager.class, this, props);
    }

    @Deactivate
    void deactivate() {
        try {
            registration.unregister();
        } catch (IllegalStateException alreadyGone) {
            // the bundle is stopping and took its services with it
        }
        manager.close();
    }

    @Override
    public Task create(CreateTaskRequest request) {
        return manager.create(request);
    }

    @Override
    public Task get(String namespace, String containerId) {
        return manager.get(namespace, containerId);
    }

    @Override
    public List<Task> tasks(String namespace) {
        return manager.tasks(namespace);
    }
}
