package org.containerj.transfer.impl;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import org.containerj.api.content.ContentStore;
import org.containerj.api.content.NamespacedContentStore;
import org.containerj.api.diff.Applier;
import org.containerj.api.gc.CollectionResult;
import org.containerj.api.gc.GarbageCollector;
import org.containerj.api.gc.ResourceCollector;
import org.containerj.api.images.ImageStore;
import org.containerj.api.leases.LeaseManager;
import org.containerj.api.remotes.Resolver;
import org.containerj.api.snapshots.NamespacedSnapshotters;
import org.containerj.content.impl.LocalContentStore;
import org.containerj.content.impl.MetadataContentStore;
import org.containerj.gc.impl.ContentCollector;
import org.containerj.gc.impl.MetadataCollector;
import org.containerj.images.impl.MetadataImageStore;
import org.containerj.leases.impl.MetadataLeaseManager;
import org.containerj.metadata.impl.LmdbMetadataStore;

/**
 * The transfer on real content, image and lease stores (LMDB), real garbage collection of
 * content, a registry, snapshotters and a differ in memory.
 */
public final class TransferFixture implements TransferServices, AutoCloseable {
    final LmdbMetadataStore db;
    final LocalContentStore local;
    final MetadataContentStore content;
    public final MetadataImageStore images;
    final MetadataLeaseManager leases;
    public final FakeRegistry registry = new FakeRegistry();
    public final FakeSnapshotters snapshots = new FakeSnapshotters(Set.of("overlayfs", "native"));
    final RecordingApplier applier;
    final MetadataCollector collector;
    final ExecutorService pool = Executors.newCachedThreadPool();
    final StallWatch stalls = new StallWatch();
    volatile TransferSettings settings = new TransferSettings(3, 3, "overlayfs", Duration.ofSeconds(30),
            Duration.ofHours(24));
    public final LocalTransfer transfer;

    public TransferFixture(Path dir) throws IOException {
        db = LmdbMetadataStore.open(Files.createDirectories(dir.resolve("meta")), LmdbMetadataStore.Options.defaults(),
                List.of());
        local = LocalContentStore.open(dir.resolve("content"));
        content = new MetadataContentStore(db, local);
        images = new MetadataImageStore(db);
        leases = new MetadataLeaseManager(db);
        applier = new RecordingApplier(content);
        List<ResourceCollector> collectors = new ArrayList<>();
        collectors.add(new ContentCollector(() -> content, () -> local));
        collector = new MetadataCollector(db, () -> collectors);
        transfer = new LocalTransfer(this, pool, stalls, () -> settings);
    }

    public ContentStore content(String namespace) {
        return content.forNamespace(namespace);
    }

    public CollectionResult collect() {
        return collector.collect();
    }

    @Override
    public NamespacedContentStore content() {
        return content;
    }

    @Override
    public ImageStore images() {
        return images;
    }

    @Override
    public LeaseManager leases() {
        return leases;
    }

    @Override
    public NamespacedSnapshotters snapshots() {
        return snapshots;
    }

    @Override
    public Applier applier() {
        return applier;
    }

    @Override
    public Resolver resolver() {
        return registry;
    }

    @Override
    public GarbageCollector gc() {
        return new GarbageCollector() {
            @Override
            public void schedule() {
                // the tests collect when they want to look
            }

            @Override
            public CollectionResult collect() {
                return collector.collect();
            }
        };
    }

    @Override
    public void close() throws InterruptedException {
        pool.shutdownNow();
        pool.awaitTermination(10, TimeUnit.SECONDS);
        stalls.close();
        local.close();
        db.close();
    }
}
