package org.containerj.api.namespaces;

import java.util.List;
import java.util.Map;

/**
 * The namespaces kept in the metadata store, with containerd's rules, registered as the
 * plugin {@code io.containerd.service.v1.namespaces-service}. Names must be containerd
 * identifiers (INVALID_ARGUMENT otherwise); labels follow containerd's label limits
 * (key and value at most 4096 bytes together, INVALID_ARGUMENT otherwise). A failed call
 * changes nothing.
 *
 * <p>Namespaces are not created behind the caller's back: a fresh store lists none. A
 * namespace also comes into being when another store creates an object in it (as
 * containerd does for {@code default}); it then has no labels.
 */
public interface NamespaceStore {

    /** Creates a namespace; ALREADY_EXISTS when it exists. */
    Namespace create(String name, Map<String, String> labels);

    /** The namespace; NOT_FOUND when it does not exist. */
    Namespace get(String name);

    /** Every namespace, ordered by name. */
    List<Namespace> list();

    /**
     * Sets one label; an empty or null value removes it. Like containerd's
     * {@code SetLabel}, this creates the namespace when it does not exist yet.
     * Returns the namespace as it is afterwards.
     */
    Namespace setLabel(String name, String key, String value);

    /**
     * Updates labels as containerd's namespaces service does. With no field paths, the
     * labels become exactly {@code labels}. Otherwise each path must be
     * {@code labels.<key>} and sets that label to {@code labels.get(key)}, or removes it
     * when that is absent or empty; any other path is INVALID_ARGUMENT. Creates the
     * namespace when it does not exist yet. Returns the namespace as it is afterwards.
     */
    Namespace update(String name, Map<String, String> labels, List<String> fieldPaths);

    /**
     * Deletes a namespace and its labels. NOT_FOUND when it does not exist;
     * FAILED_PRECONDITION when it still holds anything besides its labels (images, blobs,
     * containers, snapshots, leases, ...), naming what it holds.
     */
    void delete(String name);
}
