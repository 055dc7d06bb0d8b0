package org.containerj.transfer.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.containerj.api.content.ContentInfo;
import org.containerj.api.content.ContentStore;
import org.containerj.api.content.ContentWriter;
import org.containerj.api.content.Descriptor;
import org.containerj.api.content.Digest;
import org.containerj.api.errdefs.ContainerjException;
import org.containerj.api.errdefs.ErrorKind;
import org.containerj.api.images.Image;
import org.containerj.api.snapshots.SnapshotInfo;
import org.containerj.api.snapshots.SnapshotKind;
import org.containerj.api.transfer.Platform;
import org.containerj.api.transfer.Progress;
import org.containerj.api.transfer.PullOptions;
import org.containerj.api.transfer.UnpackTarget;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Pull through the one pipeline, on real stores, from a registry in memory that can misbehave. */
class PullTest {
    private static final String NS = "test";
    private static final String REF = "registry.test:5000/team/app:1";

    @TempDir
    Path dir;
    private TransferFixture f;
    private final List<Progress> events = Collections.synchronizedList(new ArrayList<>());

    @BeforeEach
    void setUp() throws IOException {
        f = new TransferFixture(dir);
    }

    @AfterEach
    void tearDown() throws InterruptedException {
        f.close();
    }

    private TestImages.Image publish(int layers) {
        TestImages.Image image = TestImages.image(Platforms.host(), TestImages.layers(layers).toArray(TestImages.Layer[]::new));
        f.registry.add("team/app:1", image.manifest(), image.blobs());
        return image;
    }

    private Image pull(PullOptions options) {
        return f.transfer.pull(NS, REF, options, events::add);
    }

    private Map<String, String> labels(Digest d) {
        return f.content(NS).info(d).labels();
    }

    /** After a failed pull: no image, no lease, and once collected no blob and no ingest. */
    private void assertNothingLeft() {
        assertEquals(List.of(), f.images.list(NS, List.of()));
        assertEquals(List.of(), f.leases.list(NS, List.of()));
        f.collect();
        List<ContentInfo> blobs = new ArrayList<>();
        f.content(NS).walk(List.of(), blobs::add);
        assertEquals(List.of(), blobs);
        assertEquals(List.of(), f.content(NS).listStatuses(List.of()));
        for (SnapshotInfo s : f.snapshots.of("overlayfs", NS).values()) {
            assertTrue(s.kind() == SnapshotKind.COMMITTED, "no active snapshot left: " + s);
        }
    }

    @Test
    void pullsAManifestWithContainerdsLabelsAndNoLeaseLeft() {
        TestImages.Image image = publish(2);
        Image pulled = pull(PullOptions.defaults().withLabels(Map.of("team", "a")));

        assertEquals("registry.test:5000/team/app:1", pulled.name());
        assertEquals(image.manifest().digest(), pulled.target().digest());
        assertEquals(Map.of("team", "a"), pulled.labels());
        Map<String, String> m = labels(image.manifest().digest());
        assertEquals(image.config().digest().toString(), m.get("containerd.io/gc.ref.content.config"));
        assertEquals(image.layers().get(0).descriptor().digest().toString(), m.get("containerd.io/gc.ref.content.l.0"));
        assertEquals(image.layers().get(1).descriptor().digest().toString(), m.get("containerd.io/gc.ref.content.l.1"));
        for (Digest d : image.blobs().keySet()) {
            assertEquals("team/app", labels(d).get("containerd.io/distribution.source.registry.test:5000"), d.toString());
        }
        assertEquals(List.of(), f.leases.list(NS, List.of()), "the temporary lease is gone");
        f.collect();
        for (Digest d : image.blobs().keySet()) {
            f.content(NS).info(d); // the image holds every blob through its labels
        }
        assertTrue(events.stream().anyMatch(e -> e.event().equals("saved") && e.name().equals(pulled.name())), events.toString());
        assertTrue(events.stream().anyMatch(e -> e.event().equals("complete")
                && e.name().equals("layer-" + image.layers().get(0).descriptor().digest())), events.toString());
    }

    @Test
    void anIndexGivesOnlyTheMatchingPlatformAndLabelsItsManifests() {
        Platform host = Platforms.host();
        Platform other = host.architecture().equals("arm64") ? new Platform("linux", "amd64")
                : new Platform("linux", "arm64");
        TestImages.Image mine = TestImages.image(host, TestImages.layer("a", "mine"));
        TestImages.Image theirs = TestImages.image(other, TestImages.layer("a", "theirs"));
        var index = TestImages.index(List.of(theirs, mine), List.of(other, host));
        f.registry.add("team/app:1", index.getKey(), index.getValue());

        Image pulled = pull(PullOptions.defaults());
        assertEquals(index.getKey().digest(), pulled.target().digest());
        Map<String, String> l = labels(index.getKey().digest());
        assertEquals(mine.manifest().digest().toString(), l.get("containerd.io/gc.ref.content.m.0"));
        assertNull(l.get("containerd.io/gc.ref.content.m.1"), "only the kept manifest is referenced");
        assertFalse(f.registry.fetches.stream().anyMatch(s -> s.startsWith(theirs.manifest().digest().toString())),
                "the other platform's manifest was not fetched");

        events.clear();
        pull(PullOptions.defaults().withPlatforms(List.of(), true));
        f.content(NS).info(theirs.layers().get(0).descriptor().digest());
        Map<String, String> all = labels(index.getKey().digest());
        assertEquals(theirs.manifest().digest().toString(), all.get("containerd.io/gc.ref.content.m.0"));
        assertEquals(mine.manifest().digest().toString(), all.get("containerd.io/gc.ref.content.m.1"));
    }

    @Test
    void unpacksIntoChainIdSnapshotsOnceAndLabelsTheConfig() {
        TestImages.Image image = publish(3);
        pull(PullOptions.defaults().withUnpack(""));

        List<Digest> chain = ChainIds.of(image.diffIds());
        Map<String, SnapshotInfo> snaps = f.snapshots.of("overlayfs", NS);
        assertEquals(3, snaps.size(), snaps.toString());
        for (int i = 0; i < chain.size(); i++) {
            SnapshotInfo s = snaps.get(chain.get(i).toString());
            assertEquals(SnapshotKind.COMMITTED, s.kind());
            assertEquals(i == 0 ? "" : chain.get(i - 1).toString(), s.parent());
            assertEquals(image.layers().get(i).diffId().toString(),
                    labels(image.layers().get(i).descriptor().digest()).get("containerd.io/uncompressed"));
        }
        assertEquals(chain.get(2).toString(), labels(image.config().digest()).get("containerd.io/gc.ref.snapshot.overlayfs"));
        assertTrue(f.snapshots.log.stream().filter(s -> s.startsWith("prepare "))
                .allMatch(s -> s.matches("prepare extract-\\d+-[A-Za-z0-9_-]{4}-sha256:[a-f0-9]{64}")), f.snapshots.log.toString());
        assertEquals(3, f.applier.applied.size());

        // again: every chain id is there, nothing is applied again
        pull(PullOptions.defaults().withUnpack("overlayfs"));
        assertEquals(3, f.applier.applied.size());
        assertEquals(3, f.snapshots.of("overlayfs", NS).size());
    }

    @Test
    void aSharedLowerChainIsNotUnpackedAgain() {
        List<TestImages.Layer> layers = TestImages.layers(2);
        TestImages.Image base = TestImages.image(Platforms.host(), layers.get(0));
        TestImages.Image top = TestImages.image(Platforms.host(), layers.get(0), layers.get(1));
        f.registry.add("team/app:1", base.manifest(), base.blobs());
        pull(PullOptions.defaults().withUnpack(""));
        f.registry.add("team/app:1", top.manifest(), top.blobs());
        pull(PullOptions.defaults().withUnpack(""));
        assertEquals(List.of(layers.get(0).descriptor().digest(), layers.get(1).descriptor().digest()), f.applier.applied);
    }

    @Test
    void aLaterLayerStillDownloadsWhileTheFirstIsApplied() throws Exception {
        TestImages.Image image = publish(2);
        Descriptor second = image.layers().get(1).descriptor();
        CountDownLatch firstApplied = new CountDownLatch(1);
        f.applier.beforeApply = firstApplied::countDown;
        f.registry.misbehave.put(second.digest(), (d, offset, blob) -> {
            // the second layer's body only comes once the first layer is being applied
            try {
                if (!firstApplied.await(20, TimeUnit.SECONDS)) {
                    throw new IOException("the first layer was not applied while the second downloaded");
                }
            } catch (InterruptedException e) {
                throw new IOException(e);
            }
            return new ByteArrayInputStream(blob, (int) offset, blob.length - (int) offset);
        });
        pull(PullOptions.defaults().withUnpack(""));
        assertEquals(2, f.applier.applied.size());
    }

    @Test
    void downloadsAtMostTheConfiguredNumberAtOnce() {
        TestImages.Image image = publish(8);
        CountDownLatch never = new CountDownLatch(1);
        for (TestImages.Layer l : image.layers()) {
            f.registry.misbehave.put(l.descriptor().digest(), (d, offset, blob) -> new InputStream() {
                private int pos = (int) offset;

                @Override
                public int read() throws IOException {
                    if (pos == offset) {
                        try {
                            never.await(100, TimeUnit.MILLISECONDS); // slow to start: others overlap
                        } catch (InterruptedException e) {
                            throw new IOException(e);
                        }
                    }
                    return pos < blob.length ? blob[pos++] & 0xff : -1;
                }
            });
        }
        f.settings = new TransferSettings(2, 3, "overlayfs", Duration.ofSeconds(30), Duration.ofHours(24));
        pull(PullOptions.defaults());
        assertTrue(f.registry.maxActive.get() <= 2, "at most 2 fetches at once: " + f.registry.maxActive.get());
        assertEquals(2, f.registry.maxActive.get(), "fetches did overlap");
    }

    @Test
    void aBlobWhoseDigestDoesNotMatchFailsAndLeavesNothing() {
        TestImages.Image image = publish(2);
        Descriptor layer = image.layers().get(1).descriptor();
        f.registry.misbehave.put(layer.digest(), (d, offset, blob) -> {
            byte[] bad = blob.clone();
            bad[bad.length / 2] ^= 0x55;
            return new ByteArrayInputStream(bad);
        });
        ContainerjException e = assertThrows(ContainerjException.class, () -> pull(PullOptions.defaults().withUnpack("")));
        assertEquals(ErrorKind.FAILED_PRECONDITION, e.kind(), e.getMessage());
        assertTrue(e.getMessage().contains("layer-" + layer.digest()), e.getMessage());
        assertNothingLeft();
    }

    @Test
    void aTruncatedDownloadIsDataLoss() {
        TestImages.Image image = publish(1);
        Descriptor layer = image.layers().get(0).descriptor();
        f.registry.misbehave.put(layer.digest(), (d, offset, blob) ->
                new ByteArrayInputStream(Arrays.copyOf(blob, blob.length / 2)));
        ContainerjException e = assertThrows(ContainerjException.class, () -> pull(PullOptions.defaults().withUnpack("")));
        assertEquals(ErrorKind.DATA_LOSS, e.kind(), e.getMessage());
        assertNothingLeft();
    }

    @Test
    void aLongerDownloadIsDataLoss() {
        TestImages.Image image = publish(1);
        Descriptor config = image.config();
        f.registry.misbehave.put(config.digest(), (d, offset, blob) -> {
            byte[] longer = Arrays.copyOf(blob, blob.length + 10);
            return new ByteArrayInputStream(longer);
        });
        ContainerjException e = assertThrows(ContainerjException.class, () -> pull(PullOptions.defaults()));
        assertEquals(ErrorKind.DATA_LOSS, e.kind(), e.getMessage());
        assertNothingLeft();
    }

    @Test
    void aManifestThatIsNotJsonIsInvalidArgument() {
        byte[] junk = "this is not { json".getBytes(StandardCharsets.UTF_8);
        Descriptor root = new Descriptor(MediaTypes.OCI_MANIFEST, Digests.sha256(junk), junk.length);
        f.registry.add("team/app:1", root, Map.of(root.digest(), junk));
        ContainerjException e = assertThrows(ContainerjException.class, () -> pull(PullOptions.defaults()));
        assertEquals(ErrorKind.INVALID_ARGUMENT, e.kind(), e.getMessage());
        assertTrue(e.getMessage().contains(root.digest().toString()), e.getMessage());
        assertNothingLeft();
    }

    @Test
    void aConfigWithTooFewDiffIdsFailsTheUnpackAndLeavesNoSnapshot() {
        TestImages.Image two = publish(2);
        TestImages.Image one = TestImages.image(Platforms.host(), two.layers().get(0));
        // a manifest listing two layers with a config naming one diff id
        GoJson m = new GoJson().beginObject().name("schemaVersion").value(2).name("mediaType").value(MediaTypes.OCI_MANIFEST)
                .name("config").descriptor(one.config(), null).name("layers").beginArray();
        two.layers().forEach(l -> m.descriptor(l.descriptor(), null));
        byte[] body = m.endArray().endObject().bytes();
        Descriptor root = new Descriptor(MediaTypes.OCI_MANIFEST, Digests.sha256(body), body.length);
        Map<Digest, byte[]> blobs = new java.util.HashMap<>(two.blobs());
        blobs.putAll(one.blobs());
        blobs.put(root.digest(), body);
        f.registry.add("team/app:1", root, blobs);
        ContainerjException e = assertThrows(ContainerjException.class, () -> pull(PullOptions.defaults().withUnpack("")));
        assertEquals(ErrorKind.INVALID_ARGUMENT, e.kind(), e.getMessage());
        assertNothingLeft();
        assertEquals(Map.of(), f.snapshots.of("overlayfs", NS));
    }

    @Test
    void aWrongDiffIdRemovesTheExtractionSnapshot() {
        TestImages.Layer real = TestImages.layer("a", "real");
        TestImages.Layer fake = TestImages.layer("a", "claimed");
        TestImages.Layer lying = new TestImages.Layer(real.blob(), real.descriptor(), fake.diffId());
        f.registry.add("team/app:1", TestImages.image(Platforms.host(), lying).manifest(),
                TestImages.image(Platforms.host(), lying).blobs());
        ContainerjException e = assertThrows(ContainerjException.class, () -> pull(PullOptions.defaults().withUnpack("")));
        assertEquals(ErrorKind.FAILED_PRECONDITION, e.kind(), e.getMessage());
        assertTrue(e.getMessage().contains("wrong diff id"), e.getMessage());
        assertEquals(Map.of(), f.snapshots.of("overlayfs", NS), "the extraction snapshot was removed");
        assertNothingLeft();
    }

    @Test
    void aReferenceThatDoesNotParseIsInvalidArgumentBeforeAnything() {
        ContainerjException e = assertThrows(ContainerjException.class,
                () -> f.transfer.pull(NS, "Not A Reference!", PullOptions.defaults(), events::add));
        assertEquals(ErrorKind.INVALID_ARGUMENT, e.kind());
        assertEquals(List.of(), f.leases.list(NS, List.of()));
    }

    @Test
    void aServerErrorIsUnavailable() {
        f.registry.resolveFailure = () -> ContainerjException.unavailable("registry answered 500");
        ContainerjException e = assertThrows(ContainerjException.class, () -> pull(PullOptions.defaults()));
        assertEquals(ErrorKind.UNAVAILABLE, e.kind());
        assertNothingLeft();
    }

    @Test
    void aMissingTagIsNotFound() {
        ContainerjException e = assertThrows(ContainerjException.class, () -> pull(PullOptions.defaults()));
        assertEquals(ErrorKind.NOT_FOUND, e.kind());
        assertNothingLeft();
    }

    @Test
    void anUnknownSnapshotterFailsBeforeTheDownload() {
        publish(1);
        ContainerjException e = assertThrows(ContainerjException.class,
                () -> pull(PullOptions.defaults().withUnpack("zfs")));
        assertEquals(ErrorKind.INVALID_ARGUMENT, e.kind());
        assertEquals(List.of(), f.registry.fetches);
        assertNothingLeft();
    }

    @Test
    void aRegistryThatStallsIsDeadlineExceeded() {
        TestImages.Image image = publish(1);
        CountDownLatch released = new CountDownLatch(1);
        f.registry.misbehave.put(image.layers().get(0).descriptor().digest(), (d, offset, blob) -> new InputStream() {
            private int pos;

            @Override
            public int read() throws IOException {
                if (pos == 10) {
                    try {
                        released.await(); // hangs until the stall watch closes it
                    } catch (InterruptedException e) {
                        throw new java.io.InterruptedIOException("interrupted");
                    }
                    throw new IOException("closed");
                }
                return blob[pos++] & 0xff;
            }

            @Override
            public void close() {
                released.countDown();
            }
        });
        f.settings = new TransferSettings(3, 3, "overlayfs", Duration.ofSeconds(1), Duration.ofHours(24));
        long start = System.nanoTime();
        ContainerjException e = assertThrows(ContainerjException.class, () -> pull(PullOptions.defaults()));
        assertEquals(ErrorKind.DEADLINE_EXCEEDED, e.kind(), e.getMessage());
        assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(15));
        assertNothingLeft();
    }

    @Test
    void anInterruptedIngestIsResumedAtItsOffset() {
        TestImages.Image image = publish(1);
        Descriptor layer = image.layers().get(0).descriptor();
        byte[] blob = image.blobs().get(layer.digest());
        int half = blob.length / 2;
        // what a daemon killed mid-pull leaves: the ingest of the layer, half written
        ContentStore content = f.content(NS);
        try (ContentWriter w = content.writer("layer-" + layer.digest(), layer.size(), layer.digest(), Map.of())) {
            w.write(ByteBuffer.wrap(blob, 0, half));
        }
        pull(PullOptions.defaults());
        assertTrue(f.registry.fetches.contains(layer.digest() + "@" + half), f.registry.fetches.toString());
        assertEquals(layer.size(), f.content(NS).info(layer.digest()).size());
        assertEquals(List.of(), f.content(NS).listStatuses(List.of()));
    }

    @Test
    void aResumedIngestWithWrongBytesIsFetchedAgainFromTheStart() {
        TestImages.Image image = publish(1);
        Descriptor layer = image.layers().get(0).descriptor();
        try (ContentWriter w = f.content(NS).writer("layer-" + layer.digest(), layer.size(), layer.digest(), Map.of())) {
            w.write(ByteBuffer.wrap(new byte[20]));
        }
        pull(PullOptions.defaults());
        assertTrue(f.registry.fetches.contains(layer.digest() + "@20"), f.registry.fetches.toString());
        assertTrue(f.registry.fetches.contains(layer.digest() + "@0"), f.registry.fetches.toString());
        assertEquals(layer.size(), f.content(NS).info(layer.digest()).size());
    }

    @Test
    void blobsThatArePresentAreNotFetched() {
        TestImages.Image image = publish(2);
        pull(PullOptions.defaults());
        f.registry.fetches.clear();
        pull(PullOptions.defaults().withImageName("again"));
        assertEquals(List.of(), f.registry.fetches);
        assertTrue(events.stream().anyMatch(e -> e.event().equals("already exists")));
        assertEquals(image.manifest().digest(), f.images.get(NS, "again").target().digest());
    }

    @Test
    void theCallersLeaseIsUsedAndKept() {
        publish(1);
        f.leases.create(NS, "mine", Map.of());
        pull(PullOptions.defaults().withLease("mine"));
        assertEquals(1, f.leases.list(NS, List.of()).size());
        assertFalse(f.leases.listResources(NS, "mine").isEmpty());
    }
}
