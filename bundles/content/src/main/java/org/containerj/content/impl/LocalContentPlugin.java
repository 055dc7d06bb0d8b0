package org.containerj.content.impl;

import java.nio.channels.SeekableByteChannel;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

import org.containerj.api.content.ContentInfo;
import org.containerj.api.content.ContentStore;
import org.containerj.api.content.ContentWriter;
import org.containerj.api.content.Digest;
import org.containerj.api.content.IngestStatus;
import org.containerj.api.plugin.PluginProperties;
import org.containerj.api.plugin.PluginTypes;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.tinylog.Logger;

/**
 * The content plugin {@code io.containerd.content.v1.content}: the {@link LocalContentStore}
 * in {@code <containerj.root>/io.containerd.content.v1.content/}. Stopping it closes the
 * open writers; their ingests stay on disk and are resumed by ref once it is back.
 */
@Component(service = ContentStore.class, property = {
        PluginProperties.TYPE + "=" + PluginTypes.CONTENT,
        PluginProperties.ID + "=" + LocalContentPlugin.ID })
public class LocalContentPlugin implements ContentStore {
    public static final String ID = "content";
    /** Framework property naming the daemon's root directory. */
    public static final String ROOT_PROPERTY = "containerj.root";
    public static final String DEFAULT_ROOT = "/var/lib/containerj";

    private final LocalContentStore store;

    @Activate
    public LocalContentPlugin(BundleContext context) {
        String root = context.getProperty(ROOT_PROPERTY);
        Path dir = Path.of(root == null || root.isBlank() ? DEFAULT_ROOT : root, PluginTypes.CONTENT + "." + ID);
        this.store = LocalContentStore.open(dir);
        Logger.tag("content").info("content store in {}", dir);
    }

    @Deactivate
    void deactivate() {
        store.close();
    }

    @Override
    public ContentInfo info(Digest digest) {
        return store.info(digest);
    }

    @Override
    public ContentInfo update(ContentInfo info, Set<String> fieldPaths) {
        return store.update(info, fieldPaths);
    }

    @Override
    public void walk(List<String> filters, Consumer<ContentInfo> visitor) {
        store.walk(filters, visitor);
    }

    @Override
    public void delete(Digest digest) {
        store.delete(digest);
    }

    @Override
    public SeekableByteChannel reader(Digest digest) {
        return store.reader(digest);
    }

    @Override
    public ContentWriter writer(String ref, long total, Digest expected, Map<String, String> labels) {
        return store.writer(ref, total, expected, labels);
    }

    @Override
    public IngestStatus status(String ref) {
        return store.status(ref);
    }

    @Override
    public List<IngestStatus> listStatuses(List<String> filters) {
        return store.listStatuses(filters);
    }

    @Override
    public void abort(String ref) {
        store.abort(ref);
    }
}
