package org.containerj.itests.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The shared test images of a run, pushed straight to the run's {@link Registry} (not through
 * containerj) the first time a test asks, and reused by every later test:
 *
 * <ul>
 * <li>{@link #single}: one busybox layer;</li>
 * <li>{@link #multi}: two layers with whiteouts;</li>
 * <li>{@link #index}: an image index with a linux/amd64 and a linux/arm64 manifest (the
 * same busybox bytes, never run as arm64; each layer carries its platform's marker, so the
 * two share no blob);</li>
 * <li>{@link #large}: two layers of random data, {@value #LARGE_MB} MiB in all (override
 * with {@code -Dcontainerj.itests.large.mb=N}), built and pushed once per run when a test
 * first asks for it ({@link #largeImage()}); its files are removed right after the push.</li>
 * </ul>
 *
 * Tests must not delete these from the registry.
 */
public final class TestImages {
    public static final int LARGE_MB = 256;
    private static final Map<String, TestImages> PUSHED = new ConcurrentHashMap<>();

    public final BusyboxImage singleImage = BusyboxImage.single();
    public final BusyboxImage multiImage = BusyboxImage.twoLayers();
    public final ImageIndex indexImage = new ImageIndex(List.of(
            BusyboxImage.marked("amd64", "test-images index linux/amd64"),
            BusyboxImage.marked("arm64", "test-images index linux/arm64")));
    private final String host;
    private final RegistryClient client;
    private LargeImage largeImage;

    /** References in the registry ({@code 127.0.0.1:PORT/test-images/NAME:TAG}). */
    public final String single;
    public final String multi;
    public final String index;
    public final String large;

    private TestImages(String host, RegistryClient client) {
        String base = host + "/test-images/";
        this.host = host;
        this.client = client;
        this.single = base + "single:1";
        this.multi = base + "multi:1";
        this.index = base + "index:1";
        this.large = base + "large:1";
        singleImage.push(client, "test-images/single", "1");
        multiImage.push(client, "test-images/multi", "1");
        indexImage.push(client, "test-images/index", "1");
    }

    /** The large image, built and pushed the first time a test asks for it (its reference is {@link #large}). */
    public synchronized LargeImage largeImage() {
        if (largeImage != null) {
            return largeImage;
        }
        Path dir = work().resolve("large-image-" + host.substring(host.indexOf(':') + 1));
        try {
            Files.createDirectories(dir);
            long total = Long.getLong("containerj.itests.large.mb", LARGE_MB) << 20;
            long first = total * 5 / 8;
            long t0 = System.nanoTime();
            LargeImage built = LargeImage.write(dir, 20260101L, first, total - first);
            long t1 = System.nanoTime();
            try {
                built.push(client, "test-images/large", "1");
            } finally {
                built.deleteFiles();
                Files.deleteIfExists(dir);
            }
            System.out.printf("itests: large image of %d MiB built in %d ms, pushed in %d ms%n", total >> 20,
                    (t1 - t0) / 1_000_000, (System.nanoTime() - t1) / 1_000_000);
            largeImage = built;
            return built;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The images, pushed to {@code registry} the first time they are asked for. */
    public static TestImages in(Registry registry) {
        return in(registry.host(), new RegistryClient(registry));
    }

    /** The images, pushed through {@code client} to the registry at {@code host} the first time they are asked for. */
    public static TestImages in(String host, RegistryClient client) {
        return PUSHED.computeIfAbsent(host, h -> new TestImages(h, client));
    }

    private static Path work() {
        return Path.of(System.getProperty("containerj.itests.work", "target/itests-work")).toAbsolutePath();
    }
}
