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
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * The metadata plugin {@code io.containerd.metadata.v1.bolt}: the {@link MetadataStore}
 * service over {@code <containerj.root>/io.containerd.metadata.v1.bolt/meta.lmdb/}.
 * A change of its configuration re-activates it: the store is closed (after the
 * transactions in flight) and opened again with the new sizes.
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
    }

    private final LmdbMetadataStore store;

    @Activate
    public BoltPlugin(BundleContext context, Config config) {
        String root = context.getProperty(ROOT_PROPERTY);
        Path dir = Path.of(root == null || root.isBlank() ? DEFAULT_ROOT : root, PID, ENV_DIR);
        LmdbMetadataStore.Options options = new LmdbMetadataStore.Options(config.map__size(),
                config.max__map__size(), context.getProperty(Lmdb.NATIVE_LIB_PROPERTY));
        this.store = LmdbMetadataStore.open(dir, options, Migrations.ALL);
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
