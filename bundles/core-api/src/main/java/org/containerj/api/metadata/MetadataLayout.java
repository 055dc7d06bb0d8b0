package org.containerj.api.metadata;

/**
 * Where objects live in the metadata store, after containerd's bbolt layout:
 * {@code v1/<namespace>/<bucket>/...}. A namespace exists while any key starts with
 * {@code v1/<namespace>}, so a store that creates an object in a namespace creates the
 * namespace with it, as containerd does for {@code default}. Such a store should also
 * write the namespace's labels key when absent,
 * {@code tx.putIfAbsent(MetadataLayout.namespaceLabels(ns), new byte[0])} (an empty
 * value means no labels), so that the namespace outlives its last object as in containerd.
 *
 * <pre>
 * v1/&lt;ns&gt;/labels                        the namespace's labels (one value; see the namespace store)
 * v1/&lt;ns&gt;/images/&lt;name&gt;
 * v1/&lt;ns&gt;/containers/&lt;id&gt;
 * v1/&lt;ns&gt;/leases/&lt;id&gt;
 * v1/&lt;ns&gt;/content/blob/&lt;digest&gt;
 * v1/&lt;ns&gt;/content/ingests/&lt;ref&gt;
 * v1/&lt;ns&gt;/snapshots/&lt;snapshotter&gt;/&lt;key&gt;
 * v1/&lt;ns&gt;/sandboxes/&lt;id&gt;
 * </pre>
 */
public final class MetadataLayout {

    /** The schema generation of the layout, the first segment of every namespaced key. */
    public static final String VERSION = "v1";

    public static final String LABELS = "labels";
    public static final String IMAGES = "images";
    public static final String CONTAINERS = "containers";
    public static final String LEASES = "leases";
    public static final String CONTENT = "content";
    public static final String BLOB = "blob";
    public static final String INGESTS = "ingests";
    public static final String SNAPSHOTS = "snapshots";
    public static final String SANDBOXES = "sandboxes";

    /** {@code v1}: its children are the namespaces. */
    public static final Key NAMESPACES = Key.of(VERSION);

    private MetadataLayout() {
    }

    /** {@code v1/<namespace>}: every key of the namespace starts with it. */
    public static Key namespace(String namespace) {
        return Key.of(VERSION, namespace);
    }

    /** {@code v1/<namespace>/<bucket>/<more...>}, e.g. {@code bucket("default", IMAGES, name)}. */
    public static Key bucket(String namespace, String bucket, String... more) {
        return Key.of(VERSION, namespace, bucket).child(more);
    }

    /** {@code v1/<namespace>/labels}: the namespace's labels, present from its creation on. */
    public static Key namespaceLabels(String namespace) {
        return Key.of(VERSION, namespace, LABELS);
    }
}
