package org.containerj.content.impl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import org.containerj.api.content.ContentInfo;
import org.containerj.api.content.ContentWriter;
import org.containerj.api.content.Digest;
import org.containerj.api.content.IngestStatus;
import org.containerj.api.errdefs.ContainerjException;
import org.containerj.api.errdefs.ErrorKind;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalContentStoreTest {
    @TempDir
    Path root;
    private LocalContentStore store;

    @BeforeEach
    void open() {
        store = LocalContentStore.open(root);
    }

    @AfterEach
    void close() {
        store.close();
    }

    static Digest sha256(String s) {
        return sha256(s.getBytes(StandardCharsets.UTF_8));
    }

    static Digest sha256(byte[] b) {
        try {
            return new Digest("sha256", HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    static ByteBuffer bytes(String s) {
        return ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8));
    }

    static ErrorKind kindOf(Runnable r) {
        return assertThrows(ContainerjException.class, r::run).kind();
    }

    static String read(SeekableByteChannel channel) throws IOException {
        try (channel) {
            ByteBuffer b = ByteBuffer.allocate((int) (channel.size() - channel.position()));
            while (b.hasRemaining() && channel.read(b) >= 0) {
                // fill
            }
            return new String(b.array(), 0, b.position(), StandardCharsets.UTF_8);
        }
    }

    private List<Path> blobFiles() throws IOException {
        try (Stream<Path> files = Files.walk(root.resolve("blobs"))) {
            return files.filter(Files::isRegularFile).toList();
        }
    }

    @Test
    void ingestAndCommit() throws IOException {
        Digest hello = sha256("hello");
        try (ContentWriter w = store.writer("ref1", 5, null, Map.of())) {
            w.write(bytes("hel"));
            w.write(bytes("lo"));
            assertEquals(5, w.status().offset());
            assertEquals(hello, w.digest());
            assertEquals(1, store.listStatuses(List.of()).size(), "an ingest in progress");
            w.commit(5, hello, Map.of());
        }
        ContentInfo info = store.info(hello);
        assertEquals(5, info.size());
        Path blob = root.resolve("blobs/sha256/" + hello.hex());
        assertEquals("r--r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(blob)));
        assertEquals("hello", read(store.reader(hello)));
        SeekableByteChannel at = store.reader(hello);
        at.position(3);
        assertEquals("lo", read(at));
        assertTrue(store.listStatuses(List.of()).isEmpty(), "the ingest is gone");
        assertEquals(ErrorKind.NOT_FOUND, kindOf(() -> store.status("ref1")));
        try (Stream<Path> ingests = Files.list(root.resolve("ingest"))) {
            assertEquals(0, ingests.count());
        }
    }

    @Test
    void resumeAfterClose() {
        ContentWriter first = store.writer("ref1", 11, null, Map.of());
        first.write(bytes("hello "));
        IngestStatus before = first.status();
        first.close();

        IngestStatus kept = store.status("ref1");
        assertEquals(6, kept.offset());
        assertEquals(11, kept.total());
        assertEquals(before.startedAt(), kept.startedAt());

        try (ContentWriter again = store.writer("ref1", 0, null, Map.of())) {
            assertEquals(6, again.status().offset());
            assertEquals(sha256("hello "), again.digest(), "the digest is rebuilt from the data");
            again.write(bytes("world"));
            again.commit(11, sha256("hello world"), Map.of());
        }
        assertEquals(11, store.info(sha256("hello world")).size());
    }

    @Test
    void truncateRestarts() throws IOException {
        try (ContentWriter w = store.writer("ref1", 0, null, Map.of())) {
            w.write(bytes("garbage"));
            w.truncate(3);
            assertEquals(sha256("gar"), w.digest());
            w.truncate(0);
            w.write(bytes("clean"));
            w.commit(0, null, Map.of());
        }
        assertEquals("clean", read(store.reader(sha256("clean"))));
    }

    @Test
    void digestMismatchLeavesNothingVisibleAndKeepsTheIngest() throws IOException {
        ContentWriter w = store.writer("ref1", 0, null, Map.of());
        w.write(bytes("hello"));
        ContainerjException e = assertThrows(ContainerjException.class, () -> w.commit(5, sha256("other"), Map.of()));
        assertEquals(ErrorKind.FAILED_PRECONDITION, e.kind());
        assertTrue(e.getMessage().contains("unexpected commit digest"), e.getMessage());
        assertEquals(ErrorKind.NOT_FOUND, kindOf(() -> store.info(sha256("hello"))));
        assertTrue(blobFiles().isEmpty());
        assertEquals(ErrorKind.FAILED_PRECONDITION, kindOf(() -> w.write(bytes("x"))), "the writer is finished");

        // the ingest stays, unlocked, and can be resumed or aborted
        assertEquals(5, store.status("ref1").offset());
        store.abort("ref1");
        assertEquals(ErrorKind.NOT_FOUND, kindOf(() -> store.status("ref1")));
        assertEquals(ErrorKind.NOT_FOUND, kindOf(() -> store.abort("ref1")));
    }

    @Test
    void sizeMismatchLeavesNothingVisible() throws IOException {
        ContentWriter w = store.writer("ref1", 0, null, Map.of());
        w.write(bytes("hello"));
        ContainerjException e = assertThrows(ContainerjException.class, () -> w.commit(6, null, Map.of()));
        assertEquals(ErrorKind.FAILED_PRECONDITION, e.kind());
        assertTrue(blobFiles().isEmpty());
        try (ContentWriter resumed = store.writer("ref1", 0, null, Map.of())) {
            assertEquals(5, resumed.status().offset());
            resumed.write(bytes("!"));
            resumed.commit(6, sha256("hello!"), Map.of());
        }
        assertEquals(1, blobFiles().size());
    }

    @Test
    void oneWriterPerRef() {
        ContentWriter first = store.writer("ref1", 0, null, Map.of());
        ContainerjException e = assertThrows(ContainerjException.class,
                () -> store.writer("ref1", 0, null, Map.of()));
        assertEquals(ErrorKind.UNAVAILABLE, e.kind());
        assertTrue(e.getMessage().startsWith("ref ref1 locked for "), e.getMessage());
        ContentWriter other = store.writer("ref2", 0, null, Map.of());
        other.close();
        first.close();
        store.writer("ref1", 0, null, Map.of()).close();
    }

    @Test
    void existingBlobs() {
        try (ContentWriter w = store.writer("a", 0, null, Map.of())) {
            w.write(bytes("same"));
            w.commit(0, null, Map.of());
        }
        assertEquals(ErrorKind.ALREADY_EXISTS, kindOf(() -> store.writer("b", 0, sha256("same"), Map.of())));
        ContentWriter w = store.writer("c", 0, null, Map.of());
        w.write(bytes("same"));
        assertEquals(ErrorKind.ALREADY_EXISTS, kindOf(() -> w.commit(4, sha256("same"), Map.of())));
        assertEquals(ErrorKind.NOT_FOUND, kindOf(() -> store.status("c")), "the ingest is dropped");
    }

    @Test
    void aKilledDaemonLeavesOnlyIngestsAndTheirLeftoversAreCleaned() throws IOException {
        ContentWriter w = store.writer("ref1", 0, null, Map.of());
        w.write(bytes("partial"));
        // the daemon dies: the writer is never closed; a half-built and a half-removed ingest lie around
        Path ingest = root.resolve("ingest");
        Files.createDirectories(ingest.resolve(".tmp-0123/"));
        Files.writeString(ingest.resolve(".tmp-0123/ref"), "half-built");
        String hash = store.ingestDir("ref1").getFileName().toString();
        Files.writeString(ingest.resolve(hash).resolve("updatedat.tmp"), "2024-");
        Files.createDirectories(ingest.resolve("ffff"));

        LocalContentStore restarted = LocalContentStore.open(root);
        try (Stream<Path> entries = Files.list(ingest)) {
            assertEquals(List.of(hash), entries.map(p -> p.getFileName().toString()).toList());
        }
        assertFalse(Files.exists(ingest.resolve(hash).resolve("updatedat.tmp")));
        assertTrue(blobFiles().isEmpty(), "never a partial blob");
        try (ContentWriter resumed = restarted.writer("ref1", 0, null, Map.of())) {
            assertEquals(7, resumed.status().offset());
            resumed.write(bytes(" and done"));
            resumed.commit(0, sha256("partial and done"), Map.of());
        }
        assertEquals(16, restarted.info(sha256("partial and done")).size());
        restarted.close();
    }

    @Test
    void walkWithFilters() {
        for (String s : List.of("one", "two", "three")) {
            try (ContentWriter w = store.writer(s, 0, null, Map.of())) {
                w.write(bytes(s));
                w.commit(0, null, Map.of());
            }
        }
        List<ContentInfo> all = new ArrayList<>();
        store.walk(List.of(), all::add);
        assertEquals(3, all.size());
        List<ContentInfo> one = new ArrayList<>();
        store.walk(List.of("digest==" + sha256("two")), one::add);
        assertEquals(List.of(sha256("two")), one.stream().map(ContentInfo::digest).toList());
        assertEquals(ErrorKind.INVALID_ARGUMENT, kindOf(() -> store.walk(List.of("digest=="), i -> { })));
        store.delete(sha256("two"));
        assertEquals(ErrorKind.NOT_FOUND, kindOf(() -> store.delete(sha256("two"))));
        assertEquals(ErrorKind.NOT_FOUND, kindOf(() -> store.info(sha256("two"))));
        List<ContentInfo> left = new ArrayList<>();
        store.walk(List.of(), left::add);
        assertEquals(2, left.size());
    }

    @Test
    void statusesFilterOnRef() {
        store.writer("layer-1", 10, null, Map.of()).close();
        store.writer("layer-2", 0, null, Map.of()).close();
        store.writer("manifest-1", 0, null, Map.of()).close();
        assertEquals(3, store.listStatuses(List.of()).size());
        assertEquals(List.of("manifest-1"),
                store.listStatuses(List.of("ref==manifest-1")).stream().map(IngestStatus::ref).toList());
        assertEquals(2, store.listStatuses(List.of("ref~=^layer-")).size());
        assertEquals(10, store.status("layer-1").total());
    }

    @Test
    void namesOnDiskNeverComeFromClients() throws IOException {
        try (ContentWriter w = store.writer("../../escape", 0, null, Map.of())) {
            w.write(bytes("x"));
        }
        assertEquals(root.resolve("ingest"), store.ingestDir("../../escape").getParent());
        assertFalse(Files.exists(root.getParent().resolve("escape")));
        assertEquals(1, store.status("../../escape").offset());
        assertEquals(ErrorKind.INVALID_ARGUMENT, kindOf(() -> Digest.parse("sha256:../../etc/passwd")));
        assertEquals(ErrorKind.INVALID_ARGUMENT, kindOf(() -> store.writer("", 0, null, Map.of())));
    }

    @Test
    void labelsAreNotKeptHere() {
        try (ContentWriter w = store.writer("a", 0, null, Map.of())) {
            w.write(bytes("x"));
            w.commit(0, null, Map.of("k", "v"));
        }
        assertTrue(store.info(sha256("x")).labels().isEmpty());
        assertEquals(ErrorKind.FAILED_PRECONDITION, kindOf(() -> store.update(
                new ContentInfo(sha256("x"), 1, null, null, Map.of("k", "v")), Set.of("labels"))));
    }

    @Test
    void closingTheStoreClosesWritersAndKeepsIngests() {
        ContentWriter w = store.writer("ref1", 0, null, Map.of());
        w.write(bytes("abc"));
        store.close();
        assertEquals(ErrorKind.FAILED_PRECONDITION, kindOf(() -> w.write(bytes("d"))));
        assertEquals(ErrorKind.UNAVAILABLE, kindOf(() -> store.writer("ref2", 0, null, Map.of())));
        LocalContentStore again = LocalContentStore.open(root);
        assertEquals(3, again.status("ref1").offset());
        again.close();
    }

    @Test
    void emptyBlob() throws IOException {
        try (ContentWriter w = store.writer("empty", 0, null, Map.of())) {
            w.commit(0, sha256(""), Map.of());
        }
        assertEquals(0, store.info(sha256("")).size());
        assertArrayEquals(new byte[0], read(store.reader(sha256(""))).getBytes(StandardCharsets.UTF_8));
        assertEquals(ErrorKind.NOT_FOUND, kindOf(() -> store.status("never")));
    }
}
