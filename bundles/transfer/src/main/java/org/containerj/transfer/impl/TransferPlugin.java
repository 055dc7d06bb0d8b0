package org.containerj.transfer.impl;

import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import org.containerj.api.content.Descriptor;
import org.containerj.api.content.NamespacedContentStore;
import org.containerj.api.diff.Applier;
import org.containerj.api.errdefs.ContainerjException;
import org.containerj.api.gc.GarbageCollector;
import org.containerj.api.images.Image;
import org.containerj.api.images.ImageStore;
import org.containerj.api.leases.LeaseManager;
import org.containerj.api.plugin.PluginProperties;
import org.containerj.api.plugin.PluginTypes;
import org.containerj.api.remotes.Resolver;
import org.containerj.api.snapshots.NamespacedSnapshotters;
import org.containerj.api.transfer.ExportOptions;
import org.containerj.api.transfer.ImageTransfer;
import org.containerj.api.transfer.ImportOptions;
import org.containerj.api.transfer.ProgressListener;
import org.containerj.api.transfer.PullOptions;
import org.containerj.api.transfer.PushOptions;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.Designate;
import org.tinylog.Logger;

/**
 * The plugin {@code io.containerd.transfer.v1} {@code local}: {@link LocalTransfer} on the
 * content, image, lease and snapshot services, the {@code walking} differ (the reference
 * {@code applier} can be retargeted by configuration) and the registry client, each looked
 * up when a transfer starts. Configured by the PID {@code io.containerd.transfer.v1.local}.
 */
@Component(service = ImageTransfer.class, configurationPid = TransferPlugin.PID,
        configurationPolicy = ConfigurationPolicy.OPTIONAL, property = {
        PluginProperties.TYPE + "=" + PluginTypes.TRANSFER,
        PluginProperties.ID + "=" + TransferPlugin.ID,
        PluginProperties.REQUIRES + "=" + PluginTypes.SERVICE + ".content-service",
        PluginProperties.REQUIRES + "=" + PluginTypes.SERVICE + ".images-service",
        PluginProperties.REQUIRES + "=" + PluginTypes.LEASE + ".manager",
        PluginProperties.REQUIRES + "=" + PluginTypes.SERVICE + ".snapshots-service",
        PluginProperties.REQUIRES + "=" + PluginTypes.DIFFER + ".*" })
@Designate(ocd = TransferConfig.class)
public class TransferPlugin implements ImageTransfer, TransferServices {
    public static final String ID = "local";
    static final String PID = PluginTypes.TRANSFER + "." + ID;

    @Reference(policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    private volatile NamespacedContentStore content;

    @Reference(policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    private volatile ImageStore images;

    @Reference(policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    private volatile LeaseManager leases;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile NamespacedSnapshotters snapshots;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY, target = "(" + PluginProperties.ID + "=walking)")
    private volatile Applier applier;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile Resolver resolver;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile GarbageCollector gc;

    private volatile TransferSettings settings = TransferSettings.DEFAULTS;
    private ExecutorService pool;
    private StallWatch stalls;
    private LocalTransfer transfer;

    @Activate
    void activate(TransferConfig config) {
        modified(config);
        pool = Executors.newCachedThreadPool(DaemonThreads.named("transfer"));
        stalls = new StallWatch();
        transfer = new LocalTransfer(this, pool, stalls, () -> settings);
    }

    @Modified
    void modified(TransferConfig config) {
        Duration stall = settings.stallTimeout();
        String configured = config.stall__timeout() == null ? "" : config.stall__timeout().trim();
        if (configured.isEmpty()) {
            stall = null;
        } else {
            try {
                stall = GoDurations.parse(configured);
                if (stall.isZero()) {
                    throw new IllegalArgumentException("must be positive");
                }
            } catch (IllegalArgumentException e) {
                Logger.tag("transfer").error("{}: stall_timeout {}: {}; keeping {}", PID, configured, e.getMessage(),
                        stall == null ? "the registry client's" : stall);
            }
        }
        settings = new TransferSettings(Math.max(1, config.max__concurrent__downloads()),
                Math.max(1, config.max__concurrent__uploaded__layers()),
                config.snapshotter().isBlank() ? "overlayfs" : config.snapshotter(), stall,
                TransferSettings.DEFAULTS.leaseExpiry(), Math.max(1, config.max__concurrent__unpacks()));
        Logger.tag("transfer").info(
                "{}: {} downloads, {} uploads, {} layer unpacks at once, unpack into {} by default, stall timeout {}",
                PID, settings.maxConcurrentDownloads(), settings.maxConcurrentUploads(), settings.maxConcurrentUnpacks(),
                settings.defaultSnapshotter(),
                stall == null ? "the registry client's" : configured);
    }

    @Deactivate
    void deactivate() {
        pool.shutdownNow();
        stalls.close();
    }

    // ---- ImageTransfer

    @Override
    public Image pull(String namespace, String reference, PullOptions options, ProgressListener progress) {
        return transfer.pull(namespace, reference, options, progress);
    }

    @Override
    public Descriptor push(String namespace, String imageName, String reference, PushOptions options,
            ProgressListener progress) {
        return transfer.push(namespace, imageName, reference, options, progress);
    }

    @Override
    public List<Image> importArchive(String namespace, InputStream archive, ImportOptions options,
            ProgressListener progress) {
        return transfer.importArchive(namespace, archive, options, progress);
    }

    @Override
    public void exportArchive(String namespace, List<String> imageNames, OutputStream out, ExportOptions options,
            ProgressListener progress) {
        transfer.exportArchive(namespace, imageNames, out, options, progress);
    }

    // ---- TransferServices: looked up when a transfer starts

    @Override
    public NamespacedContentStore content() {
        return required(content, PluginTypes.SERVICE + ".content-service");
    }

    @Override
    public ImageStore images() {
        return required(images, PluginTypes.SERVICE + ".images-service");
    }

    @Override
    public LeaseManager leases() {
        return required(leases, PluginTypes.LEASE + ".manager");
    }

    @Override
    public NamespacedSnapshotters snapshots() {
        return required(snapshots, PluginTypes.SERVICE + ".snapshots-service");
    }

    @Override
    public Applier applier() {
        return required(applier, PluginTypes.DIFFER + ".walking");
    }

    @Override
    public Resolver resolver() {
        return required(resolver, "registry client (" + Resolver.class.getName() + ")");
    }

    @Override
    public GarbageCollector gc() {
        return gc;
    }

    private static <T> T required(T service, String plugin) {
        if (service == null) {
            throw ContainerjException.unavailable("plugin %s is not available", plugin);
        }
        return service;
    }
}
