package org.containerj.transfer.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.containerj.api.content.Digest;
import org.containerj.api.errdefs.ContainerjException;
import org.containerj.api.errdefs.ErrorKind;
import org.containerj.api.snapshots.SnapshotInfo;
import org.containerj.api.snapshots.SnapshotKind;
import org.containerj.api.transfer.PullOptions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The parallel unpack on a snapshotter that can rebase: applies at once, commits in order, falls back, cleans up. */
class ParallelUnpackTest {
    private static final String NS = "test";
    private static final String REF = "registry.test:5000/team/app:1";

    @TempDir
    Path dir;
    private TransferFixture f;

    @BeforeEach
    void setUp() throws IOException {
        f = new TransferFixture(dir);
        f.snapshots.rebase = true;
    }

    @AfterEach
    void tearDown() throws InterruptedException {
        f.close();
    }

    private TestImages.Image publish(int layers) {
        TestImages.Image image = TestImages.image(Platforms.host(),
                TestImages.layers(layers).toArray(TestImages.Layer[]::new));
        f.registry.add("team/app:1", image.manifest(), image.blobs());
        return image;
    }

    private List<Digest> chain(TestImages.Image image) {
        List<Digest> diffIds = new ArrayList<>();
        image.layers().forEach(l -> diffIds.add(l.diffId()));
        return ChainIds.of(diffIds);
    }

    private Map<String, SnapshotInfo> snapshots() {
        return f.snapshots.of("overlayfs", NS);
    }

    private void assertChainCommitted(List<Digest> chain) {
        for (int i = 0; i < chain.size(); i++) {
            SnapshotInfo s = snapshots().get(chain.get(i).toString());
            assertEquals(SnapshotKind.COMMITTED, s.kind(), chain.get(i).toString());
            assertEquals(i == 0 ? "" : chain.get(i - 1).toString(), s.parent(), "parent of layer " + i);
        }
    }

    private void assertNoExtractionSnapshotLeft() {
        for (SnapshotInfo s : snapshots().values()) {
            assertFalse(s.name().startsWith("extract-"), "left: " + s);
            assertEquals(SnapshotKind.COMMITTED, s.kind(), "left: " + s);
        }
    }

    @Test
    void appliesLayersAtOnceWithoutParentAndCommitsThemInOrderOntoTheirParents() {
        TestImages.Image image = publish(4);
        CountDownLatch together = new CountDownLatch(2);
        f.applier.beforeApply = () -> {
            together.countDown();
            try {
                // two applies are under way at the same time, or this fails after the bound
                assertTrue(together.await(20, TimeUnit.SECONDS), "a second layer is applied meanwhile");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        };
        f.transfer.pull(NS, REF, PullOptions.defaults().withUnpack("overlayfs"), p -> {
        });

        List<Digest> chain = chain(image);
        assertChainCommitted(chain);
        assertNoExtractionSnapshotLeft();
        List<String> log = List.copyOf(f.snapshots.log);
        List<String> commits = log.stream().filter(l -> l.startsWith("commit ")).toList();
        List<String> expected = new ArrayList<>();
        expected.add("commit " + chain.get(0));
        for (int i = 1; i < chain.size(); i++) {
            expected.add("commit " + chain.get(i) + " onto " + chain.get(i - 1));
        }
        assertEquals(expected, commits, "committed in order, each rebased onto the one before");
        assertEquals(4, log.stream().filter(l -> l.startsWith("prepare extract-")).count(), log.toString());
        assertEquals(4, f.applier.applied.size());
        for (TestImages.Layer l : image.layers()) {
            assertEquals(l.diffId().toString(),
                    f.content(NS).info(l.descriptor().digest()).labels().get("containerd.io/uncompressed"));
        }
    }

    @Test
    void aLayerThatCannotBeAppliedAloneIsAppliedInOrderOntoItsParent() {
        TestImages.Image image = publish(3);
        Digest needsLowers = image.layers().get(1).descriptor().digest();
        AtomicInteger attempts = new AtomicInteger();
        f.applier.beforeApplyOf = (layer, mounts) -> {
            if (layer.digest().equals(needsLowers) && attempts.incrementAndGet() == 1) {
                throw ContainerjException.notFound("hard link target of a lower layer: not found");
            }
        };
        f.transfer.pull(NS, REF, PullOptions.defaults().withUnpack("overlayfs"), p -> {
        });

        List<Digest> chain = chain(image);
        assertEquals(2, attempts.get(), "applied alone, then again in order");
        assertChainCommitted(chain);
        assertNoExtractionSnapshotLeft();
        assertTrue(f.snapshots.log.contains("commit " + chain.get(1)), "the fallback is a plain commit "
                + f.snapshots.log);
        assertTrue(f.snapshots.log.contains("commit " + chain.get(2) + " onto " + chain.get(1)), f.snapshots.log
                .toString());
    }

    @Test
    void aFailedLayerLeavesNoExtractionSnapshotOfAnyLayer() {
        TestImages.Image image = publish(4);
        Digest broken = image.layers().get(1).descriptor().digest();
        f.applier.beforeApplyOf = (layer, mounts) -> {
            if (layer.digest().equals(broken)) {
                throw ContainerjException.invalidArgument("corrupt layer");
            }
        };
        ContainerjException e = assertThrows(ContainerjException.class,
                () -> f.transfer.pull(NS, REF, PullOptions.defaults().withUnpack("overlayfs"), p -> {
                }));
        assertEquals(ErrorKind.INVALID_ARGUMENT, e.kind(), e.getMessage());
        assertNoExtractionSnapshotLeft();
        assertTrue(f.snapshots.log.stream().anyMatch(l -> l.startsWith("remove extract-")), f.snapshots.log.toString());
        assertEquals(List.of(), f.images.list(NS, List.of()));
    }

    @Test
    void aSnapshotterWithoutTheCapabilityKeepsTheSequentialPath() {
        f.snapshots.rebase = false;
        TestImages.Image image = publish(3);
        f.transfer.pull(NS, REF, PullOptions.defaults().withUnpack("overlayfs"), p -> {
        });
        assertChainCommitted(chain(image));
        assertTrue(f.snapshots.log.stream().noneMatch(l -> l.contains(" onto ")), f.snapshots.log.toString());
    }
}
