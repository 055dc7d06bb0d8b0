package org.containerj.diff.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;

import org.apache.commons.compress.archivers.tar.TarConstants;
import org.containerj.api.content.ContentWriter;
import org.containerj.api.content.Descriptor;
import org.containerj.api.content.Digest;
import org.containerj.api.diff.DiffOptions;
import org.containerj.api.errdefs.ContainerjException;
import org.containerj.api.errdefs.ErrorKind;
import org.containerj.api.mount.Mount;
import org.containerj.content.impl.LocalContentStore;
import org.containerj.content.impl.MetadataContentStore;
import org.containerj.metadata.impl.LmdbMetadataStore;
import org.containerj.api.content.ContentStore;
import org.containerj.nativeio.LibC;
import org.containerj.nativeio.Stat;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.airlift.compress.zstd.ZstdOutputStream;

/** The walking differ on a real content store, with bind mounts used directly. */
class WalkingDifferTest {
    @TempDir
    Path dir;
    private LmdbMetadataStore db;
    private LocalContentStore blobs;
    private ContentStore local;
    private WalkingDiffer differ;

    @BeforeEach
    void setUp() throws IOException {
        db = LmdbMetadataStore.open(Files.createDirectories(dir.resolve("meta")), LmdbMetadataStore.Options.defaults(),
                List.of());
        blobs = LocalContentStore.open(dir.resolve("content"));
        MetadataContentStore content = new MetadataContentStore(db, blobs);
        local = content.forNamespace("default");
        differ = new WalkingDiffer(content, () -> {
            throw ContainerjException.unavailable("no mounter in this test");
        }, dir.resolve("tmpmounts"));
    }

    @AfterEach
    void tearDown() {
        blobs.close();
        db.close();
    }

    static Digest sha256(byte[] data) throws Exception {
        return new Digest("sha256", HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data)));
    }

    private Descriptor store(String mediaType, byte[] blob) throws Exception {
        Digest d = sha256(blob);
        try (ContentWriter w = local.writer("test-" + d.hex(), blob.length, d, Map.of())) {
            w.write(ByteBuffer.wrap(blob));
            w.commit(blob.length, d, Map.of());
        }
        return new Descriptor(mediaType, d, blob.length);
    }

    private static List<Mount> bind(Path p) {
        return List.of(new Mount("bind", p.toString(), List.of("rbind", "rw")));
    }

    private static byte[] gzip(byte[] data) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try (OutputStream out = new GZIPOutputStream(b)) {
            out.write(data);
        }
        return b.toByteArray();
    }

    private static byte[] zstd(byte[] data) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try (OutputStream out = new ZstdOutputStream(b)) {
            out.write(data);
        }
        return b.toByteArray();
    }

    @Test
    void aGzipLayerAppliesAndReportsItsDiffId() throws Exception {
        byte[] tar = new Tars().dir("etc/", 0755).file("etc/hostname", 0644, "box\n").bytes();
        Descriptor layer = store(MediaTypes.OCI_LAYER_GZIP, gzip(tar));
        Path root = Files.createDirectory(dir.resolve("root"));

        Descriptor applied = differ.apply("default", layer, bind(root), Map.of());

        assertEquals(MediaTypes.OCI_LAYER, applied.mediaType());
        assertEquals(sha256(tar), applied.digest(), "the diffID is the digest of the whole uncompressed tar");
        assertEquals(tar.length, applied.size());
        assertEquals("box\n", Files.readString(root.resolve("etc/hostname")));
    }

    @Test
    void dockerGzipZstdAndUncompressedLayers() throws Exception {
        byte[] tar = new Tars().file("f", 0644, "same").bytes();
        for (Descriptor layer : List.of(store(MediaTypes.DOCKER_LAYER_GZIP, gzip(tar)),
                store(MediaTypes.OCI_LAYER_ZSTD, zstd(tar)), store(MediaTypes.OCI_LAYER, tar))) {
            Path root = Files.createTempDirectory(dir, "root");
            Descriptor applied = differ.apply("default", layer, bind(root), Map.of());
            assertEquals(sha256(tar), applied.digest(), layer.mediaType());
            assertEquals("same", Files.readString(root.resolve("f")));
        }
    }

    @Test
    void anUnknownMediaTypeIsNotImplemented() throws Exception {
        Descriptor layer = store("application/vnd.example.layer+bzip2", new byte[] {1, 2, 3});
        ContainerjException e = assertThrows(ContainerjException.class,
                () -> differ.apply("default", layer, bind(dir), Map.of()));
        assertEquals(ErrorKind.NOT_IMPLEMENTED, e.kind());
    }

    @Test
    void mountsThatNeedMountingWithoutAMounterAreUnavailable() throws Exception {
        Descriptor layer = store(MediaTypes.OCI_LAYER, new Tars().file("f", 0644, "x").bytes());
        ContainerjException e = assertThrows(ContainerjException.class, () -> differ.apply("default", layer,
                List.of(new Mount("tmpfs", "tmpfs", List.of())), Map.of()));
        assertEquals(ErrorKind.UNAVAILABLE, e.kind());
    }

    @Test
    void anEscapingLayerFailsWithInvalidArgument() throws Exception {
        Descriptor layer = store(MediaTypes.OCI_LAYER_GZIP, gzip(new Tars().file("../x", 0644, "x").bytes()));
        Path root = Files.createDirectory(dir.resolve("root"));
        ContainerjException e = assertThrows(ContainerjException.class,
                () -> differ.apply("default", layer, bind(root), Map.of()));
        assertEquals(ErrorKind.INVALID_ARGUMENT, e.kind());
        assertTrue(Files.notExists(dir.resolve("x")));
    }

    /** The base tree of the round trips. */
    private static byte[] baseLayer() {
        return new Tars().dir("bin/", 0755).file("bin/tool", 04755, "tool v1").hardlink("bin/tool-link", "bin/tool")
                .dir("etc/", 0755).file("etc/conf", 0600, "a=1", e -> {
                    e.setUserId(100);
                    e.setGroupId(200);
                }).file("etc/gone", 0644, "bye").dir("etc/gone.d/", 0755).file("etc/gone.d/x", 0644, "x")
                .symlink("etc/link", "conf").file("becomes-dir", 0644, "file").dir("becomes-file/", 0755)
                .file("becomes-file/child", 0644, "c").device("dev-null", TarConstants.LF_CHR, 0666, 1, 3)
                .dir("keep/", 0700).file("keep/same", 0644, "same").bytes();
    }

    private static void applyTo(byte[] tar, Path root) {
        TarApplier.apply(new ByteArrayInputStream(tar), root);
    }

    private static void change(Path upper) throws IOException {
        Files.writeString(upper.resolve("bin/tool"), "tool v2, longer");
        Files.delete(upper.resolve("etc/gone"));
        TarApplier.deleteTree(upper.resolve("etc/gone.d"));
        Files.setAttribute(upper.resolve("etc/conf"), "unix:mode", 0640);
        Files.delete(upper.resolve("etc/link"));
        Files.createSymbolicLink(upper.resolve("etc/link"), Path.of("/elsewhere"));
        Files.createDirectories(upper.resolve("new/deeper"));
        Files.writeString(upper.resolve("new/deeper/file"), "new");
        Files.createLink(upper.resolve("new/hard"), upper.resolve("new/deeper/file"));
        Files.delete(upper.resolve("becomes-dir"));
        Files.createDirectory(upper.resolve("becomes-dir"));
        Files.writeString(upper.resolve("becomes-dir/inside"), "in");
        TarApplier.deleteTree(upper.resolve("becomes-file"));
        Files.writeString(upper.resolve("becomes-file"), "now a file");
    }

    /** Everything about a tree that a layer carries, by path. */
    static Map<String, String> describe(Path root) throws IOException {
        Map<String, String> m = new TreeMap<>();
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                if (p.equals(root)) {
                    continue;
                }
                Stat st = LibC.lstat(p);
                StringBuilder b = new StringBuilder();
                b.append(Integer.toOctalString(st.mode())).append(' ').append(st.uid()).append(':').append(st.gid())
                        .append(" nlink=").append(st.nlink()).append(" rdev=").append(st.rdev());
                if (st.type() == Stat.S_IFREG) {
                    b.append(" '").append(Files.readString(p)).append('\'');
                } else if (st.type() == Stat.S_IFLNK) {
                    b.append(" -> ").append(Files.readSymbolicLink(p));
                }
                if (st.type() != Stat.S_IFDIR) {
                    b.append(" mtime=").append(Files.getLastModifiedTime(p, LinkOption.NOFOLLOW_LINKS).toInstant()
                            .truncatedTo(java.time.temporal.ChronoUnit.SECONDS));
                }
                m.put(root.relativize(p).toString(), b.toString());
            }
        }
        return m;
    }

    @Test
    void applyOfDiffOntoLowerGivesUpper() throws Exception {
        byte[] base = baseLayer();
        Path lower = Files.createDirectory(dir.resolve("lower"));
        Path upper = Files.createDirectory(dir.resolve("upper"));
        Path target = Files.createDirectory(dir.resolve("target"));
        applyTo(base, lower);
        applyTo(base, upper);
        applyTo(base, target);
        change(upper);

        Descriptor diff = differ.compare("default", null, bind(lower), bind(upper),
                new DiffOptions("", "my-ref", Map.of("x", "y")));
        assertEquals(MediaTypes.OCI_LAYER_GZIP, diff.mediaType());
        Map<String, String> labels = local.info(diff.digest()).labels();
        assertEquals("y", labels.get("x"));
        assertTrue(labels.containsKey(WalkingDiffer.UNCOMPRESSED_LABEL), labels.toString());

        Descriptor applied = differ.apply("default", diff, bind(target), Map.of());
        assertEquals(labels.get(WalkingDiffer.UNCOMPRESSED_LABEL), applied.digest().toString());
        assertEquals(describe(upper), describe(target));
    }

    @Test
    void unchangedTreesGiveAnEmptyLayerAndTheSameTreesTheSameLayer() throws Exception {
        byte[] base = baseLayer();
        Path lower = Files.createDirectory(dir.resolve("lower"));
        Path upper = Files.createDirectory(dir.resolve("upper"));
        applyTo(base, lower);
        applyTo(base, upper);
        Instant epoch = Instant.parse("2021-01-01T00:00:00Z");
        Descriptor d = differ.compare("default", null, bind(lower), bind(upper),
                new DiffOptions(MediaTypes.OCI_LAYER, "", Map.of(), epoch));
        assertEquals(1024, d.size(), "only the end-of-archive blocks");

        change(upper);
        Descriptor a = differ.compare("default", null, bind(lower), bind(upper),
                new DiffOptions(MediaTypes.OCI_LAYER_ZSTD, "", Map.of(), epoch));
        Descriptor b = differ.compare("default", null, bind(lower), bind(upper),
                new DiffOptions(MediaTypes.OCI_LAYER_ZSTD, "", Map.of(), epoch));
        assertEquals(a.digest(), b.digest(), "reproducible with source_date_epoch");
        try (InputStream in = Channels.newInputStream(local.reader(a.digest()))) {
            Path target = Files.createDirectory(dir.resolve("target"));
            applyTo(base, target);
            TarApplier.apply(MediaTypes.decompress(in, MediaTypes.Compression.ZSTD), target);
        }
    }

    @Test
    void anUnsupportedDiffMediaTypeIsNotImplemented() {
        ContainerjException e = assertThrows(ContainerjException.class, () -> differ.compare("default", null,
                bind(dir), bind(dir), new DiffOptions("application/x-tar+bzip2", "", Map.of())));
        assertEquals(ErrorKind.NOT_IMPLEMENTED, e.kind());
    }
}
