package org.containerj.transfer.impl;

import java.util.List;

import org.containerj.api.errdefs.ContainerjException;
import org.containerj.api.errdefs.ErrorKind;
import org.containerj.api.images.Image;
import org.containerj.api.images.ImageStore;

/** Creating or updating the image records a transfer ends with. */
final class ImageRecords {
    private ImageRecords() {
    }

    /** Creates the image, or replaces the labels and target of the one with its name, as containerd's image store destination does. */
    static Image save(ImageStore images, String namespace, Image image) {
        for (int attempt = 0; ; attempt++) {
            try {
                return images.create(namespace, image);
            } catch (ContainerjException e) {
                if (e.kind() != ErrorKind.ALREADY_EXISTS) {
                    throw e;
                }
            }
            try {
                return images.update(namespace, image, List.of());
            } catch (ContainerjException e) {
                if (e.kind() != ErrorKind.NOT_FOUND || attempt >= 3) {
                    throw e;
                }
                // removed between the two calls: create it again
            }
        }
    }
}
