package org.containerj.transfer.impl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.containerj.api.content.ContentInfo;
import org.containerj.api.content.Digest;
import org.containerj.api.errdefs.ContainerjException;
import org.containerj.api.errdefs.ErrorKind;
import org.containerj.api.images.Image;
import org.containerj.api.transfer.ExportOptions;
import org.containerj.api.transfer.ImageName;
import org.containerj.api.transfer.ImportOptions;
import org.containerj.api.transfer.ProgressListener;
import org.containerj.api.transfer.PullOptions;
import org.containerj.api.transfer.UnpackTarget;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Export and import of OCI image layout tars and import of Docker archives. */
class ArchiveTest {
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

    static Map<String, byte[]> entries(byte[] tar) {
        Map<String, byte[]> out = new LinkedHashMap<>();
        try (TarArchiveInputStream in = new TarArchiveInputStream(new ByteArrayInputStream(tar))) {
            TarArchiveEntry e;
            while ((e = in.getNextEntry()) != null) {
                out.put(e.getName(), e.isDirectory() ? null : in.readAllBytes());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    static byte[] tar(Map<String, byte[]> files) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (TarArchiveOutputStream t = new TarArchiveOutputStream(out)) {
            for (var e : files.entrySet()) {
                TarArchiveEntry te = new TarArchiveEntry(e.getKey());
                te.setSize(e.getValue().length);
                t.putArchiveEntry(te);
                t.write(e.getValue());
                t.closeArchiveEntry();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private TestImages.Image pulled(String ns, String name) {
        TestImages.Image image = TestImages.image(Platforms.host(), TestImages.layers(2).toArray(TestImages.Layer[]::new));
        f.registry.add("team/app:1", image.manifest(), image.blobs());
        f.transfer.pull(ns, "registry.test:5000/team/app:1", PullOptions.defaults().withImageName(name),
                ProgressListener.NONE);
        return image;
    }

    private byte[] export(String ns, List<String> names, ExportOptions options) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        f.transfer.exportArchive(ns, names, out, options, ProgressListener.NONE);
        return out.toByteArray();
    }

    @Test
    void exportWritesAnOciLayoutWithNamesAndIdenticalBlobs() {
        TestImages.Image image = pulled("a", "docker.io/library/app:1");
        byte[] tar = export("a", List.of("docker.io/library/app:1"), ExportOptions.defaults());
        Map<String, byte[]> entries = entries(tar);
        assertEquals(new ArrayList<>(entries.keySet()).stream().sorted().toList(), new ArrayList<>(entries.keySet()),
                "entries sorted by name");
        assertEquals("{\"imageLayoutVersion\":\"1.0.0\"}", new String(entries.get("oci-layout"), StandardCharsets.UTF_8));
        assertEquals("{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\"" + MediaTypes.OCI_MANIFEST + "\",\"digest\":\""
                + image.manifest().digest() + "\",\"size\":" + image.manifest().size() + ",\"annotations\":{"
                + "\"io.containerd.image.name\":\"docker.io/library/app:1\","
                + "\"org.opencontainers.image.ref.name\":\"1\"}}]}",
                new String(entries.get("index.json"), StandardCharsets.UTF_8));
        for (var blob : image.blobs().entrySet()) {
            assertArrayEquals(blob.getValue(), entries.get("blobs/sha256/" + blob.getKey().hex()));
        }
        String manifestJson = new String(entries.get("manifest.json"), StandardCharsets.UTF_8);
        assertEquals("[{\"Config\":\"blobs/sha256/" + image.config().digest().hex() + "\",\"RepoTags\":[\"app:1\"],"
                + "\"Layers\":[\"blobs/sha256/" + image.layers().get(0).descriptor().digest().hex() + "\",\"blobs/sha256/"
                + image.layers().get(1).descriptor().digest().hex() + "\"]}]", manifestJson);
        assertTrue(entries.containsKey("blobs/") && entries.containsKey("blobs/sha256/"));
    }

    @Test
    void exportThenImportRoundTripsByteForByte() {
        TestImages.Image image = pulled("a", "registry.test:5000/team/app:1");
        byte[] tar = export("a", List.of("registry.test:5000/team/app:1"), ExportOptions.defaults());

        List<Image> imported = f.transfer.importArchive("b", new ByteArrayInputStream(tar),
                ImportOptions.defaults().withUnpacks(List.of(UnpackTarget.into(""))), ProgressListener.NONE);
        assertEquals(1, imported.size());
        assertEquals("registry.test:5000/team/app:1", imported.get(0).name());
        assertEquals(image.manifest().digest(), imported.get(0).target().digest());
        f.collect();
        for (var blob : image.blobs().entrySet()) {
            byte[] read = ContentBlobsTestAccess.read(f.content("b"), blob.getKey());
            assertArrayEquals(blob.getValue(), read, blob.getKey().toString());
        }
        assertEquals(2, f.snapshots.of("overlayfs", "b").size(), "unpacked");
        assertEquals(List.of(), f.leases.list("b", List.of()));
        // exported again: the same tar
        assertArrayEquals(tar, export("b", List.of("registry.test:5000/team/app:1"), ExportOptions.defaults()));
    }

    @Test
    void importNamesTagsUnderTheBaseNameAndFiltersOthers() {
        TestImages.Image image = TestImages.image(Platforms.host(), TestImages.layer("x", "y"));
        Map<String, byte[]> files = new LinkedHashMap<>();
        files.put("oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}".getBytes(StandardCharsets.UTF_8));
        GoJson index = new GoJson().beginObject().name("schemaVersion").value(2).name("manifests").beginArray();
        index.descriptor(new org.containerj.api.content.Descriptor(image.manifest().mediaType(), image.manifest().digest(),
                image.manifest().size(), Map.of("org.opencontainers.image.ref.name", "v2"), null), null);
        index.descriptor(new org.containerj.api.content.Descriptor(image.manifest().mediaType(), image.manifest().digest(),
                image.manifest().size(), Map.of("io.containerd.image.name", "elsewhere.io/other:1"), null), null);
        files.put("index.json", index.endArray().endObject().bytes());
        image.blobs().forEach((d, b) -> files.put("blobs/sha256/" + d.hex(), b));
        byte[] tar = tar(files);

        List<Image> strict = f.transfer.importArchive("c", new ByteArrayInputStream(tar),
                ImportOptions.defaults().withNames(List.of(ImageName.prefix("mine/app", false))), ProgressListener.NONE);
        assertEquals(List.of("mine/app:v2"), strict.stream().map(Image::name).toList());

        List<Image> loose = f.transfer.importArchive("d", new ByteArrayInputStream(tar),
                ImportOptions.defaults().withNames(List.of(ImageName.prefix("mine/app", true),
                        ImageName.exactly("the-archive"))), ProgressListener.NONE);
        assertEquals(List.of("the-archive", "mine/app:v2", "elsewhere.io/other:1"),
                loose.stream().map(Image::name).toList());
        assertEquals(MediaTypes.OCI_INDEX, loose.get(0).target().mediaType());

        List<Image> defaults = f.transfer.importArchive("e", new ByteArrayInputStream(tar), ImportOptions.defaults(),
                ProgressListener.NONE);
        assertTrue(defaults.get(0).name().matches("import-\\d{4}-\\d{2}-\\d{2}:v2"), defaults.toString());
    }

    @Test
    void importsADockerArchiveAsContainerdConvertsIt() {
        byte[] layerTar = TestImages.tar(Map.of("hello", "world\n"));
        Digest diffId = Digests.sha256(layerTar);
        byte[] config = ("{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\""
                + diffId + "\"]}}").getBytes(StandardCharsets.UTF_8);
        Digest configDigest = Digests.sha256(config);
        Map<String, byte[]> files = new LinkedHashMap<>();
        files.put(configDigest.hex() + ".json", config);
        files.put("abc/layer.tar", layerTar);
        files.put("manifest.json", ("[{\"Config\":\"" + configDigest.hex() + ".json\",\"RepoTags\":[\"busybox:1\"],"
                + "\"Layers\":[\"abc/layer.tar\"]}]").getBytes(StandardCharsets.UTF_8));
        List<Image> imported = f.transfer.importArchive("docker", new ByteArrayInputStream(tar(files)),
                ImportOptions.defaults(), ProgressListener.NONE);

        String manifest = "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.docker.distribution.manifest.v2+json\","
                + "\"config\":{\"mediaType\":\"application/vnd.docker.container.image.v1+json\",\"digest\":\""
                + configDigest + "\",\"size\":" + config.length + "},\"layers\":[{\"mediaType\":"
                + "\"application/vnd.docker.image.rootfs.diff.tar\",\"digest\":\"" + diffId + "\",\"size\":"
                + layerTar.length + "}]}";
        Digest manifestDigest = Digests.sha256(manifest.getBytes(StandardCharsets.UTF_8));
        assertEquals(1, imported.size());
        assertEquals("docker.io/library/busybox:1", imported.get(0).name());
        assertEquals(manifestDigest, imported.get(0).target().digest());
        assertEquals(MediaTypes.DOCKER_MANIFEST, imported.get(0).target().mediaType());
        assertEquals(Map.of("io.containerd.image.name", "docker.io/library/busybox:1",
                "org.opencontainers.image.ref.name", "1"), imported.get(0).target().annotations());
        assertArrayEquals(manifest.getBytes(StandardCharsets.UTF_8),
                ContentBlobsTestAccess.read(f.content("docker"), manifestDigest));
    }

    @Test
    void badArchivesAreInvalidAndLeaveNothing() {
        for (byte[] bad : List.of("definitely not a tar".repeat(40).getBytes(StandardCharsets.UTF_8),
                tar(Map.of("oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}".getBytes(StandardCharsets.UTF_8))),
                tar(Map.of("oci-layout", "{\"imageLayoutVersion\":\"9\"}".getBytes(StandardCharsets.UTF_8),
                        "index.json", "{}".getBytes(StandardCharsets.UTF_8))),
                tar(Map.of("random", "file".getBytes(StandardCharsets.UTF_8))),
                tar(Map.of("manifest.json", "[{\"Config\":\"missing.json\",\"Layers\":[]}]".getBytes(StandardCharsets.UTF_8))))) {
            ContainerjException e = assertThrows(ContainerjException.class, () -> f.transfer.importArchive("bad",
                    new ByteArrayInputStream(bad), ImportOptions.defaults(), ProgressListener.NONE));
            assertEquals(ErrorKind.INVALID_ARGUMENT, e.kind(), e.getMessage());
        }
        // an index naming a blob the archive lacks
        Map<String, byte[]> files = new LinkedHashMap<>();
        files.put("oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}".getBytes(StandardCharsets.UTF_8));
        files.put("index.json", ("{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\"" + MediaTypes.OCI_MANIFEST
                + "\",\"digest\":\"sha256:" + "a".repeat(64) + "\",\"size\":3}]}").getBytes(StandardCharsets.UTF_8));
        ContainerjException e = assertThrows(ContainerjException.class, () -> f.transfer.importArchive("bad",
                new ByteArrayInputStream(tar(files)), ImportOptions.defaults(), ProgressListener.NONE));
        assertEquals(ErrorKind.NOT_FOUND, e.kind(), e.getMessage());

        assertEquals(List.of(), f.images.list("bad", List.of()));
        assertEquals(List.of(), f.leases.list("bad", List.of()));
        f.collect();
        List<ContentInfo> left = new ArrayList<>();
        f.content("bad").walk(List.of(), left::add);
        assertEquals(List.of(), left);
        assertEquals(List.of(), f.content("bad").listStatuses(List.of()));
    }

    @Test
    void exportOfAMissingImageOrBlobFailsBeforeWriting() {
        assertEquals(ErrorKind.NOT_FOUND, assertThrows(ContainerjException.class,
                () -> export("a", List.of("nope"), ExportOptions.defaults())).kind());
        TestImages.Image image = pulled("a", "x");
        f.content("a").delete(image.layers().get(1).descriptor().digest());
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertEquals(ErrorKind.NOT_FOUND, assertThrows(ContainerjException.class,
                () -> f.transfer.exportArchive("a", List.of("x"), out, ExportOptions.defaults(), ProgressListener.NONE))
                .kind());
        assertEquals(0, out.size());
    }
}
