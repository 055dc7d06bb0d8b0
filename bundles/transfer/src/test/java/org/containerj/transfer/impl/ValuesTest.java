package org.containerj.transfer.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import org.containerj.api.content.Descriptor;
import org.containerj.api.content.Digest;
import org.containerj.api.errdefs.ContainerjException;
import org.containerj.api.errdefs.ErrorKind;
import org.containerj.api.transfer.Platform;
import org.junit.jupiter.api.Test;

/** Platforms, chain ids, containerd's labels, references and image JSON. */
class ValuesTest {
    private static final Digest A = Digests.sha256("a".getBytes(StandardCharsets.UTF_8));
    private static final Digest B = Digests.sha256("b".getBytes(StandardCharsets.UTF_8));

    @Test
    void platformsNormalizeAsContainerdDoes() {
        assertEquals(new Platform("linux", "amd64"), Platforms.parse("linux/x86_64"));
        assertEquals(new Platform("linux", "arm64"), Platforms.parse("linux/aarch64/v8"));
        assertEquals(new Platform("linux", "arm", "v7"), Platforms.parse("linux/arm"));
        assertEquals(new Platform("linux", "arm", "v6"), Platforms.parse("linux/armel"));
        assertEquals(new Platform("linux", "386"), Platforms.parse("linux/i386"));
        assertEquals(new Platform("linux", "amd64"), Platforms.parse("linux/amd64/v1"));
        assertEquals(new Platform("linux", Platforms.host().architecture()), Platforms.parse("linux"));
        assertEquals(new Platform("linux", "arm64"), Platforms.parse("arm64"));
        assertEquals("linux/arm/v7", Platforms.parse("linux/arm/7").toString());
        for (String bad : List.of("", "linux//amd64", "linux/amd64/v8/x", "linux/am d64")) {
            assertEquals(ErrorKind.INVALID_ARGUMENT,
                    assertThrows(ContainerjException.class, () -> Platforms.parse(bad)).kind(), bad);
        }
    }

    @Test
    void matchersAcceptWhatTheHardwareRuns() {
        PlatformMatcher arm64 = PlatformMatcher.only(new Platform("linux", "arm64"));
        assertTrue(arm64.matches(new Platform("linux", "aarch64")));
        assertTrue(arm64.matches(new Platform("linux", "arm", "v7")));
        assertTrue(arm64.rank(new Platform("linux", "arm64")) < arm64.rank(new Platform("linux", "arm", "v8")));
        assertFalse(arm64.matches(new Platform("linux", "amd64")));
        assertFalse(arm64.matches(new Platform("windows", "arm64")));

        PlatformMatcher amd64 = PlatformMatcher.only(new Platform("linux", "amd64"));
        assertTrue(amd64.matches(new Platform("linux", "x86_64")));
        assertFalse(amd64.matches(new Platform("linux", "amd64", "v3")), "v3 needs newer hardware");
        assertTrue(PlatformMatcher.only(new Platform("linux", "amd64", "v3")).matches(new Platform("linux", "amd64")));

        PlatformMatcher armv6 = PlatformMatcher.only(new Platform("linux", "arm", "v6"));
        assertTrue(armv6.matches(new Platform("linux", "arm", "v5")));
        assertFalse(armv6.matches(new Platform("linux", "arm", "v7")));

        PlatformMatcher ordered = PlatformMatcher.ordered(List.of(new Platform("linux", "s390x"),
                new Platform("linux", "amd64")));
        assertEquals(0, ordered.rank(new Platform("linux", "s390x")));
        assertTrue(ordered.rank(new Platform("linux", "amd64")) > 0);
        assertTrue(PlatformMatcher.all().matches(new Platform("plan9", "mips")));
        assertTrue(PlatformMatcher.of(List.of(), false).matches(Platforms.host()));
    }

    @Test
    void chainIdsFollowTheOciDefinition() {
        assertEquals(List.of(A, Digests.sha256((A + " " + B).getBytes(StandardCharsets.US_ASCII))),
                ChainIds.of(List.of(A, B)));
        assertEquals(A, ChainIds.next(null, A));
        Digest ab = ChainIds.next(A, B);
        assertEquals(Digests.sha256((ab + " " + A).getBytes(StandardCharsets.US_ASCII)), ChainIds.of(List.of(A, B, A)).get(2));
    }

    @Test
    void childLabelsAreCountedPerKind() {
        Descriptor config = new Descriptor(MediaTypes.OCI_CONFIG, A, 1);
        Descriptor l0 = new Descriptor("application/vnd.oci.image.layer.v1.tar+gzip", B, 1);
        Descriptor l1 = new Descriptor(MediaTypes.DOCKER_LAYER_GZIP, A, 1);
        Map<String, String> manifest = GcLabels.forChildren(List.of(config, l0, l1));
        assertEquals(Map.of("containerd.io/gc.ref.content.config", A.toString(),
                "containerd.io/gc.ref.content.l.0", B.toString(),
                "containerd.io/gc.ref.content.l.1", A.toString()), manifest);
        Map<String, String> index = GcLabels.forChildren(List.of(new Descriptor(MediaTypes.OCI_MANIFEST, A, 1),
                new Descriptor(MediaTypes.DOCKER_MANIFEST, B, 1), new Descriptor(MediaTypes.OCI_INDEX, B, 1),
                new Descriptor("application/vnd.example+json", A, 1)));
        assertEquals(Map.of("containerd.io/gc.ref.content.m.0", A.toString(),
                "containerd.io/gc.ref.content.m.1", B.toString(),
                "containerd.io/gc.ref.content.0", B.toString(),
                "containerd.io/gc.ref.content.1", A.toString()), index);
        assertEquals("a/b,c/d", GcLabels.addSource("c/d", "a/b"));
        assertEquals("a/b", GcLabels.addSource(null, "a/b"));
        assertEquals("a/b,c/d", GcLabels.addSource("a/b,c/d", "c/d"));
    }

    @Test
    void refKeysAreContainerds() {
        assertEquals("manifest-" + A, MediaTypes.refKey(new Descriptor(MediaTypes.DOCKER_MANIFEST, A, 1)));
        assertEquals("index-" + A, MediaTypes.refKey(new Descriptor(MediaTypes.OCI_INDEX, A, 1)));
        assertEquals("layer-" + A, MediaTypes.refKey(new Descriptor("application/vnd.oci.image.layer.v1.tar+zstd", A, 1)));
        assertEquals("config-" + A, MediaTypes.refKey(new Descriptor(MediaTypes.DOCKER_CONFIG, A, 1)));
        assertEquals("unknown-" + A, MediaTypes.refKey(new Descriptor("text/plain", A, 1)));
        assertEquals("manifest-v1@" + A, MediaTypes.refKey(new Descriptor(MediaTypes.OCI_MANIFEST, A, 1,
                Map.of("org.opencontainers.image.ref.name", "v1"), null)));
    }

    @Test
    void dockerReferences() {
        assertEquals("docker.io/library/busybox:latest", DockerReferences.normalize("busybox"));
        assertEquals("docker.io/library/busybox:1.36", DockerReferences.normalize("busybox:1.36"));
        assertEquals("docker.io/team/app:latest", DockerReferences.normalize("team/app"));
        assertEquals("localhost:5000/app:v1", DockerReferences.normalize("localhost:5000/app:v1"));
        assertEquals("docker.io/library/busybox@sha256:" + A.hex(),
                DockerReferences.normalize("busybox:1@sha256:" + A.hex()));
        assertEquals("busybox:latest", DockerReferences.familiarize("docker.io/library/busybox:latest"));
        assertEquals("team/app:2", DockerReferences.familiarize("docker.io/team/app:2"));
        assertEquals("127.0.0.1:5000/x/y:latest", DockerReferences.familiarize("127.0.0.1:5000/x/y"));
        assertEquals("latest", DockerReferences.object("docker.io/library/busybox:latest"));
        assertEquals("@" + A, DockerReferences.object("registry:5000/app@" + A));
        assertEquals("v1", DockerReferences.object("registry:5000/app:v1"));
        for (String bad : List.of("", "team/UPPER", "a b", "x:bad tag")) {
            assertThrows(ContainerjException.class, () -> DockerReferences.normalize(bad), bad);
        }
    }

    @Test
    void imageJsonIsStrict() {
        Descriptor blob = new Descriptor(MediaTypes.OCI_MANIFEST, A, 1);
        for (String bad : List.of("", "not json", "{\"config\":{}} trailing", "[1,2]", "{\"config\": 5}",
                "{'config':{}}", "{\"config\":{\"mediaType\":\"x\",\"digest\":\"sha256:zz\",\"size\":1}}",
                "{\"config\":{\"mediaType\":\"x\",\"digest\":\"" + A + "\",\"size\":-1}}",
                "{\"config\":{\"mediaType\":\"x\",\"digest\":\"" + A + "\",\"size\":\"12\"}}",
                "{\"config\":{\"mediaType\":\"x\",\"digest\":\"" + A + "\",\"size\":1.5}}",
                "{\"config\":{\"mediaType\":\"x\",\"digest\":\"" + A + "\",\"size\":1},\"layers\":{}}")) {
            ContainerjException e = assertThrows(ContainerjException.class,
                    () -> ImageJson.manifest(blob, bad.getBytes(StandardCharsets.UTF_8)), bad);
            assertEquals(ErrorKind.INVALID_ARGUMENT, e.kind(), bad);
            assertTrue(e.getMessage().contains(A.toString()), e.getMessage());
        }
        assertThrows(ContainerjException.class, () -> ImageJson.manifest(blob, new byte[] {'{', (byte) 0xff, '}'}));
        ImageJson.Config c = ImageJson.config(blob, ("{\"os\":\"linux\",\"architecture\":\"arm\",\"variant\":\"v7\","
                + "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"" + A + "\",\"" + B + "\"]}}").getBytes(StandardCharsets.UTF_8));
        assertEquals(new Platform("linux", "arm", "v7"), c.platform());
        assertEquals(List.of(A, B), c.diffIds());
    }

    @Test
    void goJsonWritesWhatGoWrites() {
        Descriptor d = new Descriptor("a<b>&c", A, 7, Map.of("z", "1", "a", "\u2028\n\"\\"), List.of());
        assertEquals("{\"mediaType\":\"a\\u003cb\\u003e\\u0026c\",\"digest\":\"" + A + "\",\"size\":7,"
                + "\"annotations\":{\"a\":\"\\u2028\\n\\\"\\\\\",\"z\":\"1\"},"
                + "\"platform\":{\"architecture\":\"arm\",\"os\":\"linux\",\"variant\":\"v7\"}}",
                new GoJson().descriptor(d, new Platform("linux", "arm", "v7")).toString());
        assertEquals("{\"mediaType\":\"m\",\"digest\":\"" + A + "\",\"size\":1,\"platform\":{\"architecture\":\"\",\"os\":\"\"}}",
                new GoJson().descriptor(new Descriptor("m", A, 1), new Platform("", "")).toString());
    }

    @Test
    void goDurations() {
        assertEquals(java.time.Duration.ofSeconds(90), GoDurations.parse("1m30s"));
        assertEquals(java.time.Duration.ofMillis(300), GoDurations.parse("300ms"));
        assertThrows(IllegalArgumentException.class, () -> GoDurations.parse("5 minutes"));
        assertThrows(IllegalArgumentException.class, () -> GoDurations.parse("5"));
    }

    @Test
    void keyedLocksAreDroppedWhenFree() throws Exception {
        KeyedLocks locks = new KeyedLocks();
        try (KeyedLocks.Held a = locks.lock("x")) {
            assertEquals(1, locks.size());
        }
        assertEquals(0, locks.size());
    }
}
