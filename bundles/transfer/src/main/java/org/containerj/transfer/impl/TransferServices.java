package org.containerj.transfer.impl;

import org.containerj.api.content.NamespacedContentStore;
import org.containerj.api.diff.Applier;
import org.containerj.api.gc.GarbageCollector;
import org.containerj.api.images.ImageStore;
import org.containerj.api.leases.LeaseManager;
import org.containerj.api.remotes.Resolver;
import org.containerj.api.snapshots.NamespacedSnapshotters;

/**
 * The plugins a transfer uses, looked up when a transfer starts (never held across
 * transfers). Each throws UNAVAILABLE naming the plugin when it is absent; the garbage
 * collector is optional (null).
 */
public interface TransferServices {
    NamespacedContentStore content();

    ImageStore images();

    LeaseManager leases();

    NamespacedSnapshotters snapshots();

    Applier applier();

    Resolver resolver();

    GarbageCollector gc();
}
