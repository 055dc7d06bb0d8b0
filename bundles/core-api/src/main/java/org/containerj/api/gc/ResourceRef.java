package org.containerj.api.gc;

import java.util.Map;
import java.util.function.Consumer;

/**
 * A node of the garbage collector's graph: a resource of a namespace, by type
 * ({@code content}, {@code ingests}, {@code leases}, {@code images}, {@code containers},
 * {@code snapshots/<snapshotter>}) and id (digest, ref, name, key).
 */
public record ResourceRef(String namespace, String type, String id) {
    /** Objects labelled with it are roots. */
    public static final String ROOT_LABEL = "containerd.io/gc.root";
    /** Labels {@code containerd.io/gc.ref.content[.anything]} reference the content digest in their value. */
    public static final String CONTENT_REF_PREFIX = "containerd.io/gc.ref.content";
    /** Labels {@code containerd.io/gc.ref.snapshot.<snapshotter>[/anything]} reference the snapshot key in their value. */
    public static final String SNAPSHOT_REF_PREFIX = "containerd.io/gc.ref.snapshot.";

    /** The resources that containerd's reference labels among {@code labels} point at. */
    public static void referencedBy(String namespace, Map<String, String> labels, Consumer<ResourceRef> out) {
        labels.forEach((key, value) -> {
            if (value.isEmpty()) {
                return;
            }
            if (key.startsWith(CONTENT_REF_PREFIX)) {
                String rest = key.substring(CONTENT_REF_PREFIX.length());
                if (rest.isEmpty() || rest.startsWith(".") || rest.startsWith("/")) {
                    out.accept(new ResourceRef(namespace, "content", value));
                }
            } else if (key.startsWith(SNAPSHOT_REF_PREFIX)) {
                String snapshotter = key.substring(SNAPSHOT_REF_PREFIX.length());
                int end = snapshotter.indexOf('/');
                if (end >= 0) {
                    snapshotter = snapshotter.substring(0, end);
                }
                if (!snapshotter.isEmpty()) {
                    out.accept(new ResourceRef(namespace, "snapshots/" + snapshotter, value));
                }
            }
        });
    }
}
