package org.containerj.metadata.impl;

import java.nio.file.Path;

import org.containerj.api.metadata.MetadataStore;
import org.containerj.api.metadata.ReadWork;
import org.containerj.api.metadata.WriteWork;
import org.containerj.api.plugin.PluginProperties;
import org.containerj.api.plugin.PluginTypes;
import org.containerj.nativeio.Lmdb;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.osgi.service.metatype.annotations.Option;

/**
 * The metadata plugin {@code io.containerd.metadata.v1.bolt}: the {@link MetadataStore}
 * service over {@code <containerj.root>/io.containerd.metadata.v1.bolt/meta.lmdb/}.
 * A change of the map sizes re-opens the store in place (after the transactions in
 * flight), so the plugins using it keep their reference; other keys of the table
 * (content_sharing_policy) belong to other components and change nothing here.
 */
@Component(
        service = MetadataStore.class,
        configurationPid = BoltPlugin.PID,
        property = {
            PluginProperties.TYPE + "=" + PluginTypes.METADATA,
            PluginProperties.ID + "=" + BoltPlugin.ID
        })
@Designate(ocd = BoltPlugin.Config.class)
public final class BoltPlugin implements MetadataStore {

    public static final String ID = "bolt";
    public static final String PID = PluginTypes.METADATA + "." + ID;
    /** Framework property naming the daemon's root directory. */
    public static final String ROOT_PROPERTY = "containerj.root";
    public static final String DEFAULT_ROOT = "/var/lib/containerj";
    /** The LMDB environment's directory inside the plugin's directory. */
    public static final String ENV_DIR = "meta.lmdb";

    @ObjectClassDefinition(
            id = PID,
            name = "containerj metadata store",
            description = "The LMDB database behind io.containerd.metadata.v1.bolt")
    public @interface Config {

        @AttributeDefinition(
                name = "map_size",
                description = "Initial size in bytes of the LMDB memory map, the most the database may hold before "
                        + "the map is grown. Address space only: the file grows with the data.")
        long map__size() default LmdbMetadataStore.Options.DEFAULT_MAP_SIZE;

        @AttributeDefinition(
                name = "max_map_size",
                description = "The map is doubled when an update fills it, up to this many bytes.")
        long max__map__size() default LmdbMetadataStore.Options.DEFAULT_MAX_MAP_SIZE;

        @AttributeDefinition(
                name = "content_sharing_policy",
                description = "shared: a blob already stored for one namespace is added to another without "
                        + "its data being sent again; isolated: every namespace must write its content itself. "
                        + "Applied by the content service.",
                options = {@Option(label = "shared", value = "shared"), @Option(label = "isolated", value = "isolated")})
        String content__sharing__policy() default "shared";
    }

    private final Path dir;
    private final String nativeLibrary;
    private volatile LmdbMetadataStore store;
    /** The configured sizes the open store was made with (the map itself may have grown since). */
    private LmdbMetadataStore.Options applied;

    @Activate
    public BoltPlugin(BundleContext context, Config config) {
        String root = context.getProperty(ROOT_PROPERTY);
        this.dir = Path.of(root == null || root.isBlank() ? DEFAULT_ROOT : root, PID, ENV_DIR);
        this.nativeLibrary = context.getProperty(Lmdb.NATIVE_LIB_PROPERTY);
        this.applied = options(config);
        this.store = LmdbMetadataStore.open(dir, applied, Migrations.ALL);
    }

    @Modified
    synchronized void modified(Config config) {
        LmdbMetadataStore.Options wanted = options(config);
        if (wanted.equals(applied)) {
            return;
        }
        store.close();
        store = LmdbMetadataStore.open(dir, wanted, Migrations.ALL);
        applied = wanted;
    }

    private LmdbMetadataStore.Options options(Config config) {
        return new LmdbMetadataStore.Options(config.map__size(), config.max__map__size(), nativeLibrary);
    }

    @Deactivate
    void deactivate() {
        store.close();
    }

    @Override
    public <T> T view(ReadWork<T> work) {
        return store.view(work);
    }

    @Override
    public <T> T update(WriteWork<T> work) {
        return store.update(work);
    }

    @Override
    public int maxKeySize() {
        return store.maxKeySize();
    }

    @Override
    public int schemaVersion() {
        return store.schemaVersion();
    }
}
