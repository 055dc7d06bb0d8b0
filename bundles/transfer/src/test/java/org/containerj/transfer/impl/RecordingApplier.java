package org.containerj.transfer.impl;

import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;

import org.containerj.api.content.Descriptor;
import org.containerj.api.content.Digest;
import org.containerj.api.content.NamespacedContentStore;
import org.containerj.api.diff.Applier;
import org.containerj.api.errdefs.ContainerjException;
import org.containerj.api.mount.Mount;

/** An applier that reads the layer, uncompresses and digests it (the diff id), and records what it applied. */
final class RecordingApplier implements Applier {
    private final NamespacedContentStore content;
    final List<Digest> applied = Collections.synchronizedList(new ArrayList<>());
    /** Runs before each apply (to block, or to check what is there). */
    volatile Runnable beforeApply = () -> {
    };

    /** Runs before each apply with the layer and the mounts it goes to. */
    volatile java.util.function.BiConsumer<Descriptor, List<Mount>> beforeApplyOf = (layer, mounts) -> {
    };

    RecordingApplier(NamespacedContentStore content) {
        this.content = content;
    }

    @Override
    public Descriptor apply(String namespace, Descriptor layer, List<Mount> mounts, Map<String, byte[]> payloads) {
        beforeApply.run();
        beforeApplyOf.accept(layer, mounts);
        try (InputStream in = new GZIPInputStream(Channels.newInputStream(
                content.forNamespace(namespace).reader(layer.digest())))) {
            MessageDigest sha = Digests.sha256();
            byte[] b = new byte[8192];
            long size = 0;
            int n;
            while ((n = in.read(b)) >= 0) {
                sha.update(b, 0, n);
                size += n;
            }
            applied.add(layer.digest());
            return new Descriptor(MediaTypes.OCI_LAYER, Digests.of(sha.digest()), size);
        } catch (IOException e) {
            throw ContainerjException.invalidArgument("layer %s: %s", layer.digest(), e.getMessage());
        }
    }
}
