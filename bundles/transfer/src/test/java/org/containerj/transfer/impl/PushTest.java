package org.containerj.transfer.impl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

import org.containerj.api.errdefs.ContainerjException;
import org.containerj.api.errdefs.ErrorKind;
import org.containerj.api.transfer.Platform;
import org.containerj.api.transfer.ProgressListener;
import org.containerj.api.transfer.PullOptions;
import org.containerj.api.transfer.PushOptions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Push: blobs before manifests, the root last under the tag, mounts from the same registry. */
class PushTest {
    @TempDir
    Path dir;
    private TransferFixture f;

    @BeforeEach
    void setUp() throws IOException {
        f = new TransferFixture(dir);
    }

    @AfterEach
    void tearDown() throws InterruptedException {
        f.close();
    }

    @Test
    void pushesBlobsFirstMountingWhatTheSameRegistryHas() {
        TestImages.Image image = TestImages.image(Platforms.host(), TestImages.layers(2).toArray(TestImages.Layer[]::new));
        f.registry.add("team/app:1", image.manifest(), image.blobs());
        f.transfer.pull("p", "registry.test:5000/team/app:1", PullOptions.defaults().withImageName("local"),
                ProgressListener.NONE);

        f.transfer.push("p", "local", "registry.test:5000/team/copy:2", PushOptions.defaults(), ProgressListener.NONE);
        List<String> order = f.registry.pushOrder;
        assertEquals("manifest " + image.manifest().digest() + " as 2", order.get(order.size() - 1), order.toString());
        assertEquals(3, order.stream().filter(s -> s.startsWith("blob ")).count(), order.toString());
        assertEquals(3, f.registry.mounts.size(), "config and layers mounted from team/app: " + f.registry.mounts);
        assertTrue(f.registry.mounts.stream().allMatch(m -> m.endsWith(" from team/app")), f.registry.mounts.toString());
        assertArrayEquals(image.blobs().get(image.manifest().digest()), f.registry.manifests.get("team/copy:2"));

        // to another registry host: uploaded, not mounted
        f.registry.pushed.clear();
        f.registry.mounts.clear();
        f.transfer.push("p", "local", "other.test/team/copy:3", PushOptions.defaults(), ProgressListener.NONE);
        assertEquals(List.of(), f.registry.mounts);
        for (TestImages.Layer l : image.layers()) {
            assertArrayEquals(l.blob(), f.registry.pushed.get(l.descriptor().digest()));
        }
    }

    @Test
    void pushesAnIndexsManifestsByDigestAndTheIndexUnderTheTag() {
        Platform host = Platforms.host();
        TestImages.Image mine = TestImages.image(host, TestImages.layer("a", "b"));
        var index = TestImages.index(List.of(mine), List.of(host));
        f.registry.add("team/app:1", index.getKey(), index.getValue());
        f.transfer.pull("p", "registry.test:5000/team/app:1", PullOptions.defaults().withImageName("i"),
                ProgressListener.NONE);
        f.transfer.push("p", "i", "other.test/x:latest", PushOptions.defaults(), ProgressListener.NONE);
        List<String> order = f.registry.pushOrder;
        int manifestAt = order.indexOf("manifest " + mine.manifest().digest() + " as " + mine.manifest().digest());
        int indexAt = order.indexOf("manifest " + index.getKey().digest() + " as latest");
        assertTrue(manifestAt >= 0 && indexAt > manifestAt, order.toString());
    }

    @Test
    void aMissingImageOrBlobFailsBeforeAnythingIsPushed() {
        assertEquals(ErrorKind.NOT_FOUND, assertThrows(ContainerjException.class, () -> f.transfer.push("p", "nope",
                "other.test/x:1", PushOptions.defaults(), ProgressListener.NONE)).kind());
        TestImages.Image image = TestImages.image(Platforms.host(), TestImages.layers(1).toArray(TestImages.Layer[]::new));
        f.registry.add("team/app:1", image.manifest(), image.blobs());
        f.transfer.pull("p", "registry.test:5000/team/app:1", PullOptions.defaults().withImageName("l"),
                ProgressListener.NONE);
        f.content("p").delete(image.layers().get(0).descriptor().digest());
        assertEquals(ErrorKind.NOT_FOUND, assertThrows(ContainerjException.class, () -> f.transfer.push("p", "l",
                "other.test/x:1", PushOptions.defaults(), ProgressListener.NONE)).kind());
        assertEquals(List.of(), f.registry.pushOrder);
    }
}
