package org.containerj.diff.impl;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.containerj.api.content.Descriptor;
import org.containerj.api.content.NamespacedContentStore;
import org.containerj.api.diff.Applier;
import org.containerj.api.diff.Comparer;
import org.containerj.api.diff.DiffOptions;
import org.containerj.api.errdefs.ContainerjException;
import org.containerj.api.mount.Mount;
import org.containerj.api.mount.Mounter;
import org.containerj.api.plugin.PluginProperties;
import org.containerj.api.plugin.PluginTypes;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;

/**
 * The plugin {@code io.containerd.differ.v1} {@code walking}: the {@link WalkingDiffer} on
 * the namespaced content store. The mounter is looked up per call and only needed for
 * mounts that cannot be used directly; temporary mounts go to
 * {@code <containerj.root>/tmpmounts}, as containerd's do.
 */
@Component(service = {Applier.class, Comparer.class}, property = {
        PluginProperties.TYPE + "=" + PluginTypes.DIFFER,
        PluginProperties.ID + "=" + WalkingDifferPlugin.ID,
        PluginProperties.REQUIRES + "=" + PluginTypes.SERVICE + ".content-service",
        PluginProperties.PLATFORMS + "=linux/amd64",
        PluginProperties.PLATFORMS + "=linux/arm64" })
public class WalkingDifferPlugin implements Applier, Comparer {
    public static final String ID = "walking";
    static final String ROOT_PROPERTY = "containerj.root";
    static final String DEFAULT_ROOT = "/var/lib/containerj";

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private volatile Mounter mounter;

    private final WalkingDiffer differ;

    @Activate
    public WalkingDifferPlugin(BundleContext context, @Reference(name = "content") NamespacedContentStore content) {
        String root = context.getProperty(ROOT_PROPERTY);
        Path tmp = Path.of(root == null || root.isBlank() ? DEFAULT_ROOT : root, "tmpmounts");
        this.differ = new WalkingDiffer(content, this::currentMounter, tmp);
    }

    private Mounter currentMounter() {
        Mounter m = mounter;
        if (m == null) {
            throw ContainerjException.unavailable("no mounter: the mounts of this call need one");
        }
        return m;
    }

    @Override
    public Descriptor apply(String namespace, Descriptor layer, List<Mount> mounts, Map<String, byte[]> payloads) {
        return differ.apply(namespace, layer, mounts, payloads);
    }

    @Override
    public Descriptor compare(String namespace, String lease, List<Mount> lower, List<Mount> upper,
            DiffOptions options) {
        return differ.compare(namespace, lease, lower, upper, options);
    }
}
