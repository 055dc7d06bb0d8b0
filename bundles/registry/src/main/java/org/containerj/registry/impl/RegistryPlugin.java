package org.containerj.registry.impl;

import java.nio.file.Path;
import java.time.Duration;

import org.containerj.api.plugin.PluginProperties;
import org.containerj.api.plugin.PluginTypes;
import org.containerj.api.remotes.Fetcher;
import org.containerj.api.remotes.ImageReference;
import org.containerj.api.remotes.Pusher;
import org.containerj.api.remotes.RemoteOptions;
import org.containerj.api.remotes.Resolved;
import org.containerj.api.remotes.Resolver;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.metatype.annotations.Designate;
import org.tinylog.Logger;

/**
 * The plugin {@code io.containerd.internal.v1} {@code registry}: the daemon's registry
 * client as the {@link Resolver} service, configured by the PID
 * {@code io.containerd.internal.v1.registry} ({@code config_path}, {@code stall_timeout},
 * {@code range_threshold}, {@code range_chunk_size}, {@code range_concurrency},
 * {@code range_buffer_limit}, {@code range_local}, {@code connect_timeout}). Owns the
 * client's threads: the HTTP clients' executor, the range fetchers and the stall
 * watchdog; stopping it stops them (transfers in progress fail).
 */
@Component(service = Resolver.class, configurationPid = RegistryPlugin.PID,
        configurationPolicy = ConfigurationPolicy.OPTIONAL, property = {
                PluginProperties.TYPE + "=" + PluginTypes.INTERNAL,
                PluginProperties.ID + "=" + RegistryPlugin.ID })
@Designate(ocd = RegistryConfig.class)
public class RegistryPlugin implements Resolver {
    public static final String ID = "registry";
    public static final String PID = PluginTypes.INTERNAL + "." + ID;

    private RegistryThreads threads;
    private RegistryClient client;

    @Activate
    void activate(BundleContext context, RegistryConfig config) {
        RegistrySettings settings = settings(config);
        Duration connect = duration(config.connect__timeout(), Duration.ofSeconds(30), "connect_timeout");
        threads = new RegistryThreads();
        client = RegistryClient.create(settings, connect, "containerj/" + context.getBundle().getVersion(), threads);
        Logger.tag("registry").info("registry client: hosts from {}, stall timeout {}, ranges {}",
                settings.configPath() == null ? "(none)" : settings.configPath(),
                GoDuration.format(settings.stallTimeout()), settings.ranges()
                        ? settings.rangeConcurrency() + " x " + settings.rangeChunkSize() + " bytes from "
                                + settings.rangeThreshold() + " bytes, at most " + settings.rangeBufferLimit()
                                + " bytes ahead" + (settings.rangeLocal() ? "" : ", not from local registries")
                        : "off");
    }

    @Modified
    void modified(RegistryConfig config) {
        client.update(settings(config));
    }

    @Deactivate
    void deactivate() {
        threads.close();
    }

    static RegistrySettings settings(RegistryConfig c) {
        String path = c.config__path();
        Duration stall = duration(c.stall__timeout(), RegistrySettings.DEFAULT_STALL_TIMEOUT, "stall_timeout");
        if (stall.isZero() || stall.isNegative()) {
            Logger.tag("registry").error("{}: stall_timeout must be positive, using {}", PID,
                    GoDuration.format(RegistrySettings.DEFAULT_STALL_TIMEOUT));
            stall = RegistrySettings.DEFAULT_STALL_TIMEOUT;
        }
        long chunk = c.range__chunk__size();
        if (chunk <= 0 || chunk > (64 << 20)) {
            Logger.tag("registry").error("{}: range_chunk_size must be in 1..{}, using {}", PID, 64 << 20,
                    RegistrySettings.DEFAULT_RANGE_CHUNK_SIZE);
            chunk = RegistrySettings.DEFAULT_RANGE_CHUNK_SIZE;
        }
        long concurrency = Math.max(0, Math.min(64, c.range__concurrency()));
        long limit = Math.max(0, Math.min(Integer.MAX_VALUE, c.range__buffer__limit()));
        return new RegistrySettings(path == null || path.isBlank() ? null : Path.of(path), stall,
                Math.max(0, c.range__threshold()), (int) chunk, (int) concurrency, (int) limit, c.range__local());
    }

    private static Duration duration(String text, Duration fallback, String key) {
        try {
            return GoDuration.parse(text);
        } catch (IllegalArgumentException | ArithmeticException e) {
            Logger.tag("registry").error("{}: {} {}: {}, using {}", PID, key, text, e.getMessage(),
                    GoDuration.format(fallback));
            return fallback;
        }
    }

    @Override
    public ImageReference parse(String reference) {
        return client.parse(reference);
    }

    @Override
    public Resolved resolve(ImageReference reference, RemoteOptions options) {
        return client.resolve(reference, options);
    }

    @Override
    public Fetcher fetcher(ImageReference reference, RemoteOptions options) {
        return client.fetcher(reference, options);
    }

    @Override
    public Pusher pusher(ImageReference reference, RemoteOptions options) {
        return client.pusher(reference, options);
    }
}
