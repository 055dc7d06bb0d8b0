package org.containerj.api.transfer;

import java.io.InputStream;
import java.io.OutputStream;
import java.util.List;

import org.containerj.api.content.Descriptor;
import org.containerj.api.images.Image;

/**
 * containerd's transfer service, in process (the plugin {@code io.containerd.transfer.v1}
 * {@code local}). Every operation works in one namespace, holds what it writes under a
 * lease while it runs, and leaves nothing visible when it fails: no image record, no
 * committed snapshot of its own making; blobs it committed go with its lease at the next
 * garbage collection. Errors are {@link org.containerj.api.errdefs.ContainerjException}s
 * with containerd's kinds: INVALID_ARGUMENT for a reference that does not parse or content
 * that is not what it claims, NOT_FOUND, UNAVAILABLE when the registry client or a
 * plugin needed is absent or the registry fails, DATA_LOSS, DEADLINE_EXCEEDED,
 * FAILED_PRECONDITION for a digest mismatch, CANCELED when the calling thread is
 * interrupted.
 */
public interface ImageTransfer {

    /**
     * Resolves {@code reference}, fetches the image's manifests, configs and layers
     * (skipping blobs present, resuming ingests left by an interrupted pull), unpacks it
     * when asked, and creates or updates the image record. Returns that record.
     */
    Image pull(String namespace, String reference, PullOptions options, ProgressListener progress);

    /**
     * Pushes the image {@code imageName} of {@code namespace} to {@code reference}: blobs
     * first (mounted from another repository of the same registry when the content's
     * {@code containerd.io/distribution.source.*} labels allow), then manifests, the root
     * last under the reference's tag. Returns the root descriptor pushed.
     */
    Descriptor push(String namespace, String imageName, String reference, PushOptions options,
            ProgressListener progress);

    /**
     * Imports an image archive read from {@code archive} (not closed), unpacks when asked,
     * and creates or updates the image records the options name. Returns them.
     */
    List<Image> importArchive(String namespace, InputStream archive, ImportOptions options, ProgressListener progress);

    /**
     * Writes the images {@code imageNames} of {@code namespace} as one OCI image layout tar
     * to {@code out} (not closed).
     */
    void exportArchive(String namespace, List<String> imageNames, OutputStream out, ExportOptions options,
            ProgressListener progress);
}
