package org.containerj.config.impl;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;

import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleEvent;
import org.osgi.framework.BundleException;
import org.osgi.framework.BundleListener;
import org.osgi.framework.Constants;
import org.osgi.framework.Filter;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.component.runtime.ServiceComponentRuntime;
import org.osgi.util.tracker.ServiceTracker;
import org.tinylog.Logger;

/**
 * Loads {@code config.toml} (framework property {@value #CONFIG_PROPERTY}; empty or unset: no
 * file, built-in defaults) into Configuration Admin when it starts, and again whenever the
 * file or one of its imports changes.
 *
 * <p>An invalid file at start-up stops the framework after setting the system property
 * {@value #EXIT_CODE_PROPERTY} to {@code 1}, for the launcher to exit with. An invalid edit
 * while running is logged and changes nothing; so is an invalid file when this component
 * restarts in a running daemon.
 */
@Component(service = {}, immediate = true)
public final class ConfigLoader {

    /** Framework property: the main configuration file's absolute path. */
    public static final String CONFIG_PROPERTY = "containerj.config";

    /** System property set to the exit code the launcher should use after the framework stopped. */
    public static final String EXIT_CODE_PROPERTY = "containerj.exit.code";

    /**
     * System property holding the framework UUID once a configuration was applied in it: an
     * invalid file stops the daemon only while it starts, not when this component restarts.
     */
    static final String SESSION_PROPERTY = "containerj.config.session";

    static final String METATYPE_SERVICE = "org.osgi.service.metatype.MetaTypeService";
    static final String WATCHER_THREAD = "containerj-config-watcher";
    static final Duration DEBOUNCE = Duration.ofMillis(200);

    @Reference
    private ConfigurationAdmin configAdmin;

    private final PluginDisabler disabler = new PluginDisabler();
    private final BundleListener bundleStarted = this::bundleChanged;

    private BundleContext context;
    /** Tracks the Metatype Service by name: its package is optional (imported dynamically). */
    private ServiceTracker<Object, Object> metaType;
    private volatile boolean metaTypeUnusable;
    private ConfigReloader reloader;
    private volatile ConfigFileWatcher watcher;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
        policyOption = ReferencePolicyOption.GREEDY)
    void bindServiceComponentRuntime(ServiceComponentRuntime runtime) {
        disabler.setRuntime(runtime);
    }

    void unbindServiceComponentRuntime(ServiceComponentRuntime runtime) {
        disabler.unsetRuntime(runtime);
    }

    @Activate
    void activate(BundleContext bundleContext) {
        this.context = bundleContext;
        metaType = new ServiceTracker<>(bundleContext, metaTypeFilter(bundleContext), null);
        metaType.open();
        String property = bundleContext.getProperty(CONFIG_PROPERTY);
        Path file = property == null || property.isBlank() ? null : Path.of(property.trim()).toAbsolutePath();
        reloader = new ConfigReloader(file, new ConfigReader(), new ConfigAdminSync(configAdmin), disabler,
            new OomScore(), this::schemas, bundleContext::getProperty);

        Logger.info("config: reading {}", file == null ? "no file (built-in defaults)" : file);
        ConfigReloader.Outcome outcome = reloader.start();
        String session = bundleContext.getProperty(Constants.FRAMEWORK_UUID);
        boolean daemonStarting = session == null || !session.equals(System.getProperty(SESSION_PROPERTY));
        if (outcome.status() == ConfigReloader.Outcome.Status.REJECTED) {
            if (daemonStarting) {
                stopFramework(file);
                return;
            }
            // restarted (bundle update, Configuration Admin came back): what was applied stays
            Logger.warn("config: keeping the configurations applied before; fix {} to apply it", file);
        } else if (session != null) {
            System.setProperty(SESSION_PROPERTY, session);
        }
        bundleContext.addBundleListener(bundleStarted);
        if (file != null) {
            startWatching();
        }
    }

    @Deactivate
    void deactivate() {
        if (watcher != null) {
            watcher.close();
            watcher = null;
        }
        metaType.close();
        try {
            context.removeBundleListener(bundleStarted);
        } catch (IllegalStateException e) {
            // the bundle is stopping
        }
    }

    private void startWatching() {
        try {
            watcher = new ConfigFileWatcher(WATCHER_THREAD, DEBOUNCE, this::changed);
            watcher.watch(reloader.targets());
            watcher.start();
        } catch (IOException e) {
            Logger.warn("config: cannot watch the configuration files, edits need a restart: {}", e.toString());
        }
    }

    /** Runs on the watcher thread. */
    private void changed() {
        reloader.reload();
        ConfigFileWatcher w = watcher;
        if (w != null) {
            w.watch(reloader.targets());
        }
    }

    private void bundleChanged(BundleEvent event) {
        if (event.getType() == BundleEvent.STARTED) {
            disabler.sweep();
        }
    }

    /** Runs on the thread that loads the configuration. */
    private PluginSchemas schemas() {
        Object service = metaType.getService();
        if (service == null || metaTypeUnusable) {
            return PluginSchemas.NONE;
        }
        try {
            return MetaTypeSchemas.of(context, service);
        } catch (NoClassDefFoundError | ClassCastException e) {
            metaTypeUnusable = true;
            Logger.warn("config: the Metatype Service is not usable ({}); plugin tables are not checked", e.toString());
            return PluginSchemas.NONE;
        }
    }

    private static Filter metaTypeFilter(BundleContext context) {
        try {
            return context.createFilter("(" + Constants.OBJECTCLASS + "=" + METATYPE_SERVICE + ")");
        } catch (InvalidSyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private void stopFramework(Path file) {
        Logger.error("config: {} is invalid; stopping containerj", file);
        System.setProperty(EXIT_CODE_PROPERTY, "1");
        BundleContext ctx = context;
        Thread stopper = new Thread(() -> {
            try {
                ctx.getBundle(0).stop();
            } catch (BundleException | IllegalStateException e) {
                Logger.error(e, "config: cannot stop the framework");
            }
        }, "containerj-config-stop");
        stopper.start();
    }
}
