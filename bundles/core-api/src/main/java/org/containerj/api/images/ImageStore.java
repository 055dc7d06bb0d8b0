package org.containerj.api.images;

import java.util.List;

import org.containerj.api.content.Digest;

/**
 * The images of a namespace (containerd's images.Store, the plugin
 * {@code io.containerd.service.v1} {@code images-service}). Errors: INVALID_ARGUMENT for
 * an image without name, target digest, size or media type, or bad labels;
 * ALREADY_EXISTS; NOT_FOUND.
 */
public interface ImageStore {
    /** NOT_FOUND when the namespace has no image of this name. */
    Image get(String namespace, String name);

    /**
     * Images matching any of containerd's {@code filters} (fields {@code name},
     * {@code target.digest}, {@code target.mediatype}, {@code labels.KEY}).
     */
    List<Image> list(String namespace, List<String> filters);

    /** Creates the image; ALREADY_EXISTS when the name is taken. */
    Image create(String namespace, Image image);

    /**
     * Updates the fields named by {@code fieldPaths} ({@code labels}, {@code labels.KEY},
     * {@code target}, {@code annotations}, {@code annotations.KEY}); with none, labels and
     * target are replaced. NOT_FOUND when absent.
     */
    Image update(String namespace, Image image, List<String> fieldPaths);

    /**
     * Deletes the image. When {@code target} is given, the image must point at it
     * (FAILED_PRECONDITION otherwise). With {@code sync}, returns after a garbage
     * collection that ran after the delete.
     */
    void delete(String namespace, String name, Digest target, boolean sync);
}
