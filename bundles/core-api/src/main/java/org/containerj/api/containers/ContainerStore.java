package org.containerj.api.containers;

import java.util.List;

/**
 * The containers of a namespace (containerd's containers.Store, the plugin
 * {@code io.containerd.service.v1} {@code containers-service}). Errors: INVALID_ARGUMENT
 * for a bad id, no runtime name, no spec, bad labels, an empty extension key, or a
 * snapshot key without snapshotter; ALREADY_EXISTS; NOT_FOUND.
 */
public interface ContainerStore {
    /** NOT_FOUND when the namespace has no container of this id. */
    Container get(String namespace, String id);

    /**
     * Containers matching any of containerd's {@code filters} (fields {@code id},
     * {@code image}, {@code runtime.name}, {@code labels.KEY}).
     */
    List<Container> list(String namespace, List<String> filters);

    /** Creates the container; ALREADY_EXISTS when the id is taken. */
    Container create(String namespace, Container container);

    /**
     * Updates the fields named by {@code fieldPaths} ({@code labels}, {@code labels.KEY},
     * {@code spec}, {@code extensions}, {@code extensions.KEY}, {@code image},
     * {@code snapshotkey}); anything else is INVALID_ARGUMENT. With none, labels, spec,
     * extensions, image and snapshot key are replaced, and a different snapshotter or
     * runtime name is INVALID_ARGUMENT. NOT_FOUND when absent.
     */
    Container update(String namespace, Container container, List<String> fieldPaths);

    /** Deletes the container; NOT_FOUND when absent. */
    void delete(String namespace, String id);
}
