package org.containerj.registry.impl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Random;

import org.containerj.api.content.Descriptor;
import org.containerj.api.content.Digest;
import org.containerj.api.errdefs.ContainerjException;
import org.containerj.api.errdefs.ErrorKind;
import org.containerj.api.remotes.Fetcher;
import org.containerj.api.remotes.ImageReference;
import org.containerj.api.remotes.Pusher;
import org.containerj.api.remotes.RemoteOptions;
import org.containerj.api.remotes.Resolved;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The client against the real registry (Debian's docker-registry on 127.0.0.1, anonymous):
 * push blobs and a manifest with the Pusher (one blob by a cross-repository mount), then
 * resolve and fetch them back, whole, from an offset and in parallel ranges.
 */
class DockerRegistryTest {
    static final String LAYER_TYPE = "application/vnd.oci.image.layer.v1.tar";
    static final String CONFIG_TYPE = "application/vnd.oci.image.config.v1+json";

    private static DockerRegistry registry;
    private static RegistryThreads threads;
    private static RegistryClient client;

    @BeforeAll
    static void start() {
        registry = DockerRegistry.start(null);
        threads = new RegistryThreads();
        // small ranges, so that a 3 MiB blob is fetched in parallel ranges
        client = RegistryClient.create(RegistrySettings.withRanges(null, Duration.ofSeconds(20), 1 << 20, 256 << 10, 4),
                Duration.ofSeconds(5), "containerj-test", threads);
    }

    @AfterAll
    static void stop() {
        if (threads != null) {
            threads.close();
        }
        if (registry != null) {
            registry.close();
        }
    }

    static byte[] random(int size, long seed) {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        return b;
    }

    static Descriptor descriptor(String mediaType, byte[] data) {
        return new Descriptor(mediaType, Digest.parse("sha256:" + RegistryClient.sha256(data)), data.length);
    }

    static byte[] manifest(Descriptor config, Descriptor... layers) {
        StringBuilder s = new StringBuilder("{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_MANIFEST
                + "\",\"config\":" + json(config) + ",\"layers\":[");
        for (int i = 0; i < layers.length; i++) {
            s.append(i == 0 ? "" : ",").append(json(layers[i]));
        }
        return s.append("]}").toString().getBytes(StandardCharsets.UTF_8);
    }

    private static String json(Descriptor d) {
        return "{\"mediaType\":\"" + d.mediaType() + "\",\"digest\":\"" + d.digest() + "\",\"size\":" + d.size() + "}";
    }

    static byte[] readAll(InputStream in) throws IOException {
        try (in) {
            return in.readAllBytes();
        }
    }

    @Test
    void pushesMountsResolvesAndFetches() throws IOException {
        RemoteOptions options = RemoteOptions.DEFAULT; // no --plain-http: 127.0.0.1 falls back to http
        byte[] config = "{\"architecture\":\"amd64\",\"os\":\"linux\"}".getBytes(StandardCharsets.UTF_8);
        byte[] small = random(100_000, 1);
        byte[] large = random(3 * (1 << 20) + 12345, 2);
        Descriptor cfg = descriptor(CONFIG_TYPE, config);
        Descriptor smallLayer = descriptor(LAYER_TYPE, small);
        Descriptor largeLayer = descriptor(LAYER_TYPE, large);
        byte[] manifest = manifest(cfg, smallLayer, largeLayer);
        Descriptor man = descriptor(MediaTypes.OCI_MANIFEST, manifest);

        ImageReference app = client.parse(registry.host() + "/test/app:v1");
        Pusher pusher = client.pusher(app, options);
        assertFalse(pusher.exists(smallLayer));
        assertFalse(pusher.pushBlob(cfg, () -> new ByteArrayInputStream(config), null));
        assertFalse(pusher.pushBlob(smallLayer, () -> new ByteArrayInputStream(small), null));
        assertFalse(pusher.pushBlob(largeLayer, () -> new ByteArrayInputStream(large), null));
        assertTrue(pusher.exists(smallLayer));
        assertFalse(pusher.exists(man));
        pusher.pushManifest(man, manifest, "v1");
        assertTrue(pusher.exists(man));

        // the same image in another repository: blobs mounted from test/app, not uploaded
        ImageReference other = client.parse(registry.host() + "/test/other:v2");
        Pusher otherPusher = client.pusher(other, options);
        for (Descriptor d : new Descriptor[] {cfg, smallLayer, largeLayer}) {
            assertTrue(otherPusher.pushBlob(d, () -> {
                throw new AssertionError("a mounted blob is not read");
            }, "test/app"), () -> d + " mounted");
        }
        otherPusher.pushManifest(man, manifest, null);
        otherPusher.pushManifest(man, manifest, "v2");

        for (ImageReference ref : new ImageReference[] {app, other, client.parse(registry.host() + "/test/app@"
                + man.digest())}) {
            Resolved r = client.resolve(ref, options);
            assertEquals(man.digest(), r.descriptor().digest(), ref::toString);
            assertEquals(man.size(), r.descriptor().size());
            assertEquals(MediaTypes.OCI_MANIFEST, r.descriptor().mediaType());
        }

        Fetcher fetcher = client.fetcher(other, options);
        assertArrayEquals(manifest, readAll(fetcher.fetch(man)));
        assertArrayEquals(config, readAll(fetcher.fetch(cfg)));
        assertArrayEquals(small, readAll(fetcher.fetch(smallLayer)));
        assertArrayEquals(large, readAll(fetcher.fetch(largeLayer)), "large blob in parallel ranges");
        byte[] tail = readAll(fetcher.fetch(largeLayer, 1_500_000));
        assertArrayEquals(java.util.Arrays.copyOfRange(large, 1_500_000, large.length), tail, "resumed at an offset");
        byte[] smallTail = readAll(fetcher.fetch(smallLayer, 99_000));
        assertArrayEquals(java.util.Arrays.copyOfRange(small, 99_000, small.length), smallTail);

        ContainerjException missing = assertThrows(ContainerjException.class,
                () -> client.resolve(client.parse(registry.host() + "/test/app:nope"), options));
        assertEquals(ErrorKind.NOT_FOUND, missing.kind(), missing::getMessage);
        Descriptor absent = descriptor(LAYER_TYPE, random(10, 3));
        ContainerjException gone = assertThrows(ContainerjException.class, () -> fetcher.fetch(absent));
        assertEquals(ErrorKind.NOT_FOUND, gone.kind(), gone::getMessage);
    }
}
