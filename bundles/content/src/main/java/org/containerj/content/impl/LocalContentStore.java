package org.containerj.content.impl;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;
import java.util.stream.Stream;

import org.containerj.api.content.ContentInfo;
import org.containerj.api.content.ContentStore;
import org.containerj.api.content.ContentWriter;
import org.containerj.api.content.Digest;
import org.containerj.api.content.IngestStatus;
import org.containerj.api.errdefs.ContainerjException;
import org.containerj.api.errdefs.ErrorKind;
import org.containerj.filters.Filter;
import org.tinylog.Logger;

/**
 * The local content store (containerd's {@code io.containerd.content.v1.content}): each
 * blob once, as a read-only file named by its digest, laid out as containerd lays it out.
 * <pre>
 * &lt;root&gt;/blobs/&lt;algorithm&gt;/&lt;hex&gt;           a committed blob, mode 0444
 * &lt;root&gt;/ingest/&lt;sha256 of ref&gt;/ref         the ref of an ingest, verbatim
 *                               /data        the bytes written so far
 *                               /startedat   when the ingest began (RFC 3339)
 *                               /updatedat   when a writer last let go of it
 *                               /total       the expected size, when one was given
 * &lt;root&gt;/ingest/.tmp-*                     an ingest being set up or removed
 * </pre>
 *
 * <p>Names on disk never come from clients: a {@link Digest} is validated before it names
 * a file, and an ingest directory is named by the SHA-256 of its ref.
 *
 * <p>Crash safety: an ingest directory appears complete or not at all (it is built under
 * a {@code .tmp-} name and renamed into place) and is removed by renaming it back to such
 * a name first; a blob appears only by an atomic rename of data that was synced and
 * verified, already read-only. So a daemon killed at any point leaves at most an ingest,
 * never a partial blob; leftover {@code .tmp-} entries are removed when the store opens.
 *
 * <p>Labels are not kept here: the namespaced store keeps them in metadata, so
 * {@link #update} is FAILED_PRECONDITION, as in containerd's store underneath metadata.
 */
public final class LocalContentStore implements ContentStore, AutoCloseable {
    static final String BLOBS = "blobs";
    static final String INGEST = "ingest";
    static final String TMP_PREFIX = ".tmp-";
    static final int BUFFER = 1 << 20;

    private static final List<String> ALGORITHMS = List.of("sha256", "sha384", "sha512");
    private static final Set<PosixFilePermission> READ_ONLY = PosixFilePermissions.fromString("r--r--r--");
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final int LOCK_ATTEMPTS = 10;

    private final Path root;
    private final Path blobs;
    private final Path ingests;
    /** Refs with an open writer, and since when: one writer per ref. */
    private final Map<String, Instant> locks = new ConcurrentHashMap<>();
    private final Set<LocalWriter> writers = ConcurrentHashMap.newKeySet();
    /** Serializes the check for an existing blob with the rename that publishes one. */
    private final Object publishing = new Object();
    private volatile boolean closed;

    private LocalContentStore(Path root) {
        this.root = root;
        this.blobs = root.resolve(BLOBS);
        this.ingests = root.resolve(INGEST);
    }

    /** Opens (creating when needed) the store in {@code root} and removes what a crash left behind. */
    public static LocalContentStore open(Path root) {
        LocalContentStore store = new LocalContentStore(root);
        try {
            Files.createDirectories(store.ingests);
            Files.createDirectories(store.blobs);
        } catch (IOException e) {
            throw failure("content store " + root + ": cannot create its directories", e);
        }
        store.removeLeftovers();
        return store;
    }

    public Path root() {
        return root;
    }

    /** Closes the open writers (their ingests stay, to be resumed); later calls are UNAVAILABLE. */
    @Override
    public void close() {
        closed = true;
        for (LocalWriter w : List.copyOf(writers)) {
            w.close();
        }
    }

    @Override
    public ContentInfo info(Digest digest) {
        Path path = blobPath(digest);
        try {
            BasicFileAttributes attributes = Files.readAttributes(path, BasicFileAttributes.class);
            if (!attributes.isRegularFile()) {
                throw notFound(digest);
            }
            return info(digest, attributes);
        } catch (NoSuchFileException e) {
            throw notFound(digest);
        } catch (IOException e) {
            throw failure("content " + digest, e);
        }
    }

    @Override
    public ContentInfo update(ContentInfo info, Set<String> fieldPaths) {
        throw ContainerjException.failedPrecondition("update not supported on immutable content store");
    }

    @Override
    public void walk(List<String> filters, Consumer<ContentInfo> visitor) {
        Filter filter = Filter.parse(filters);
        for (String algorithm : ALGORITHMS) {
            Path dir = blobs.resolve(algorithm);
            if (!Files.isDirectory(dir)) {
                continue;
            }
            try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
                for (Path p : entries) {
                    Digest digest = digestOf(algorithm, p);
                    if (digest == null) {
                        continue;
                    }
                    BasicFileAttributes attributes;
                    try {
                        attributes = Files.readAttributes(p, BasicFileAttributes.class);
                    } catch (NoSuchFileException deletedMeanwhile) {
                        continue;
                    }
                    ContentInfo info = info(digest, attributes);
                    if (attributes.isRegularFile() && filter.matches(ContentFields.of(info))) {
                        visitor.accept(info);
                    }
                }
            } catch (IOException e) {
                throw failure("walking " + dir, e);
            }
        }
    }

    @Override
    public void delete(Digest digest) {
        try {
            Files.delete(blobPath(digest));
        } catch (NoSuchFileException e) {
            throw notFound(digest);
        } catch (IOException e) {
            throw failure("deleting content " + digest, e);
        }
    }

    @Override
    public SeekableByteChannel reader(Digest digest) {
        checkOpen();
        try {
            return FileChannel.open(blobPath(digest), StandardOpenOption.READ);
        } catch (NoSuchFileException e) {
            throw notFound(digest);
        } catch (IOException e) {
            throw failure("reading content " + digest, e);
        }
    }

    /** Labels are ignored: this store keeps none. */
    @Override
    public ContentWriter writer(String ref, long total, Digest expected, Map<String, String> labels) {
        checkOpen();
        if (ref == null || ref.isEmpty()) {
            throw ContainerjException.invalidArgument("ref must not be empty");
        }
        lock(ref);
        try {
            LocalWriter writer = openWriter(ref, total, expected);
            writers.add(writer);
            if (closed) {
                writer.close();
                checkOpen();
            }
            return writer;
        } catch (RuntimeException e) {
            locks.remove(ref);
            throw e;
        }
    }

    @Override
    public IngestStatus status(String ref) {
        if (ref == null || ref.isEmpty()) {
            throw ContainerjException.invalidArgument("ref must not be empty");
        }
        return readStatus(ingestDir(ref)).filter(s -> s.ref().equals(ref))
                .orElseThrow(() -> ContainerjException.notFound("ingest ref %s: not found", quote(ref)));
    }

    @Override
    public List<IngestStatus> listStatuses(List<String> filters) {
        Filter filter = Filter.parse(filters);
        List<IngestStatus> statuses = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(ingests)) {
            for (Path dir : entries) {
                if (!dir.getFileName().toString().startsWith(TMP_PREFIX)) {
                    readStatus(dir).filter(s -> filter.matches(ContentFields.of(s))).ifPresent(statuses::add);
                }
            }
        } catch (IOException e) {
            throw failure("listing ingests", e);
        }
        return statuses;
    }

    /** Removes the ingest even while a writer has it open (that writer's commit then fails), as containerd does. */
    @Override
    public void abort(String ref) {
        if (ref == null || ref.isEmpty()) {
            throw ContainerjException.invalidArgument("ref must not be empty");
        }
        Path dir = ingestDir(ref);
        if (!Files.isDirectory(dir) || !removeTree(dir)) {
            throw ContainerjException.notFound("ingest ref %s: not found", quote(ref));
        }
    }

    // ---- writers

    private void lock(String ref) {
        for (int attempt = 1;; attempt++) {
            Instant now = Instant.now();
            Instant since = locks.putIfAbsent(ref, now);
            if (since == null) {
                return;
            }
            if (attempt >= LOCK_ATTEMPTS) {
                throw ContainerjException.unavailable("ref %s locked for %s (since %s)", ref,
                        Duration.between(since, now), since);
            }
            try {
                // the holder is often just finishing: back off a little, as containerd does
                Thread.sleep(ThreadLocalRandom.current().nextInt(1 << attempt));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw ContainerjException.unavailable("ref %s locked since %s", ref, since);
            }
        }
    }

    /** Called by a writer that closed or committed: the ref can be written again. */
    void release(LocalWriter writer) {
        writers.remove(writer);
        locks.remove(writer.ref(), writer.lockedSince());
    }

    private LocalWriter openWriter(String ref, long total, Digest expected) {
        if (expected != null && Files.exists(blobPath(expected))) {
            throw ContainerjException.alreadyExists("content %s: already exists", expected);
        }
        Instant lockedSince = locks.get(ref);
        Path dir = ingestDir(ref);
        try {
            if (Files.isDirectory(dir)) {
                LocalWriter resumed = resume(dir, ref, total, lockedSince);
                if (resumed != null) {
                    return resumed;
                }
                removeTree(dir);
            }
            Instant now = Instant.now();
            createIngest(dir, ref, total, now);
            FileChannel data = FileChannel.open(dir.resolve("data"), StandardOpenOption.WRITE);
            return new LocalWriter(this, ref, dir, data, sha256(), 0, total, now, now, lockedSince);
        } catch (IOException e) {
            throw failure("opening ingest " + quote(ref), e);
        }
    }

    /** The writer continuing the ingest in {@code dir}, or null when it can't be continued (then it starts over). */
    private LocalWriter resume(Path dir, String ref, long total, Instant lockedSince) throws IOException {
        Optional<String> stored = readString(dir.resolve("ref"));
        if (stored.isEmpty() || !stored.get().equals(ref)) {
            Logger.warn("ingest {} holds ref {}, not {}: starting it over", dir, stored.orElse("(none)"), ref);
            return null;
        }
        Optional<Instant> startedAt = readTime(dir.resolve("startedat"));
        Optional<Instant> updatedAt = readTime(dir.resolve("updatedat"));
        if (startedAt.isEmpty() || updatedAt.isEmpty() || !Files.isRegularFile(dir.resolve("data"))) {
            Logger.warn("ingest {} of ref {} is damaged: starting it over", dir, ref);
            return null;
        }
        long storedTotal = readTotal(dir);
        if (total > 0 && storedTotal > 0 && total != storedTotal) {
            Logger.info("ingest {}: total {} differs from the {} it was started with: starting it over", quote(ref),
                    total, storedTotal);
            return null;
        }
        if (storedTotal <= 0 && total > 0) {
            writeAtomically(dir.resolve("total"), Long.toString(total));
            storedTotal = total;
        }
        MessageDigest digest = sha256();
        long offset = 0;
        try (FileChannel in = FileChannel.open(dir.resolve("data"), StandardOpenOption.READ)) {
            ByteBuffer buffer = ByteBuffer.allocate(BUFFER);
            for (int n; (n = in.read(buffer)) >= 0;) {
                buffer.flip();
                digest.update(buffer);
                buffer.clear();
                offset += n;
            }
        }
        FileChannel data = FileChannel.open(dir.resolve("data"), StandardOpenOption.WRITE);
        data.position(offset);
        return new LocalWriter(this, ref, dir, data, digest, offset, storedTotal, startedAt.get(), updatedAt.get(),
                lockedSince);
    }

    /** Builds the ingest under a temporary name and renames it into place: it is there whole or not at all. */
    private void createIngest(Path dir, String ref, long total, Instant now) throws IOException {
        Path staging = ingests.resolve(TMP_PREFIX + randomHex());
        Files.createDirectory(staging);
        try {
            Files.writeString(staging.resolve("ref"), ref);
            Files.writeString(staging.resolve("startedat"), now.toString());
            Files.writeString(staging.resolve("updatedat"), now.toString());
            if (total > 0) {
                Files.writeString(staging.resolve("total"), Long.toString(total));
            }
            Files.createFile(staging.resolve("data"));
            Files.move(staging, dir, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException | RuntimeException e) {
            deleteTree(staging);
            throw e;
        }
    }

    /**
     * Makes {@code data} (synced and verified by the writer) the blob {@code digest}:
     * read-only, dated now, renamed into place atomically; then drops the ingest.
     * ALREADY_EXISTS (and the ingest is dropped) when the blob is there already.
     */
    void publish(String ref, Path dir, Digest digest) throws IOException {
        Path data = dir.resolve("data");
        Path target = blobPath(digest);
        Files.createDirectories(target.getParent());
        Files.setLastModifiedTime(data, FileTime.from(Instant.now()));
        Set<PosixFilePermission> writable = Files.getPosixFilePermissions(data);
        Files.setPosixFilePermissions(data, READ_ONLY);
        synchronized (publishing) {
            if (Files.exists(target)) {
                removeTree(dir);
                throw ContainerjException.alreadyExists("content %s: already exists", digest);
            }
            try {
                Files.move(data, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (NoSuchFileException e) {
                throw ContainerjException.notFound("ingest ref %s: aborted while being committed", quote(ref));
            } catch (IOException e) {
                Files.setPosixFilePermissions(data, writable);
                throw e;
            }
        }
        syncDirectory(target.getParent());
        removeTree(dir);
    }

    void checkOpen() {
        if (closed) {
            throw ContainerjException.unavailable("content store %s is closed", root);
        }
    }

    // ---- status of ingests

    private Optional<IngestStatus> readStatus(Path dir) {
        try {
            BasicFileAttributes data = Files.readAttributes(dir.resolve("data"), BasicFileAttributes.class);
            Optional<String> ref = readString(dir.resolve("ref"));
            Optional<Instant> startedAt = readTime(dir.resolve("startedat"));
            Optional<Instant> updatedAt = readTime(dir.resolve("updatedat"));
            if (ref.isEmpty() || startedAt.isEmpty() || updatedAt.isEmpty()) {
                return Optional.empty();
            }
            // updatedat is written when a writer lets go; the data's mtime is fresher while one writes
            Instant modified = data.lastModifiedTime().toInstant();
            Instant updated = modified.isAfter(updatedAt.get()) ? modified : updatedAt.get();
            return Optional.of(new IngestStatus(ref.get(), data.size(), readTotal(dir), null, startedAt.get(), updated));
        } catch (NoSuchFileException | java.nio.file.NotDirectoryException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw failure("status of ingest " + dir.getFileName(), e);
        }
    }

    private static long readTotal(Path dir) {
        try {
            return readString(dir.resolve("total")).map(s -> Long.parseLong(s.trim())).orElse(0L);
        } catch (NumberFormatException | IOException e) {
            return 0;
        }
    }

    private static Optional<String> readString(Path file) throws IOException {
        try {
            return Optional.of(Files.readString(file, StandardCharsets.UTF_8));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
    }

    /** RFC 3339 as this store writes it (Instant) or as containerd does (with an offset). */
    private static Optional<Instant> readTime(Path file) {
        try {
            Optional<String> text = readString(file);
            if (text.isEmpty()) {
                return Optional.empty();
            }
            String s = text.get().trim();
            try {
                return Optional.of(Instant.parse(s));
            } catch (DateTimeParseException e) {
                return Optional.of(OffsetDateTime.parse(s).toInstant());
            }
        } catch (IOException | DateTimeParseException e) {
            return Optional.empty();
        }
    }

    /** Replaces {@code file} through a temporary sibling and a rename, so a reader sees old or new, never half. */
    static void writeAtomically(Path file, String content) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(tmp, content);
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    // ---- crash leftovers and removal

    /** Removes half-built or half-removed ingests and temporary files, as a crash may leave them. */
    private void removeLeftovers() {
        try (Stream<Path> entries = Files.list(ingests)) {
            for (Path p : entries.toList()) {
                String name = p.getFileName().toString();
                if (name.startsWith(TMP_PREFIX)) {
                    Logger.info("content store: removing leftover {}", p);
                    deleteTree(p);
                } else if (Files.isDirectory(p)) {
                    try (Stream<Path> files = Files.list(p)) {
                        for (Path f : files.toList()) {
                            if (f.getFileName().toString().endsWith(".tmp")) {
                                Files.deleteIfExists(f);
                            }
                        }
                    }
                    if (!Files.exists(p.resolve("ref")) || !Files.exists(p.resolve("data"))) {
                        Logger.info("content store: removing incomplete ingest {}", p);
                        deleteTree(p);
                    }
                }
            }
        } catch (IOException e) {
            throw failure("content store " + root + ": cannot clean " + ingests, e);
        }
    }

    /** Renames {@code dir} out of the way, then deletes it; false when it was not there. */
    boolean removeTree(Path dir) {
        Path doomed = ingests.resolve(TMP_PREFIX + randomHex());
        try {
            Files.move(dir, doomed, StandardCopyOption.ATOMIC_MOVE);
        } catch (NoSuchFileException e) {
            return false;
        } catch (IOException e) {
            throw failure("removing " + dir, e);
        }
        try {
            deleteTree(doomed);
        } catch (IOException e) {
            Logger.warn(e, "content store: could not remove {}; it goes at the next start", doomed);
        }
        return true;
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    private static void syncDirectory(Path dir) {
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (IOException e) {
            Logger.debug("cannot sync directory {}: {}", dir, e.toString());
        }
    }

    // ---- names

    Path blobPath(Digest digest) {
        return blobs.resolve(digest.algorithm()).resolve(digest.hex());
    }

    /** The ingest directory of {@code ref}: named by its hash, so a ref never names a path. */
    Path ingestDir(String ref) {
        byte[] hash = sha256().digest(ref.getBytes(StandardCharsets.UTF_8));
        return ingests.resolve(HexFormat.of().formatHex(hash));
    }

    private static Digest digestOf(String algorithm, Path p) {
        String name = p.getFileName().toString();
        try {
            return new Digest(algorithm, name);
        } catch (ContainerjException e) {
            if (!name.startsWith(TMP_PREFIX)) {
                Logger.warn("content store: {} does not name a blob; ignored", p);
            }
            return null;
        }
    }

    private static ContentInfo info(Digest digest, BasicFileAttributes attributes) {
        Instant modified = attributes.lastModifiedTime().toInstant();
        return new ContentInfo(digest, attributes.size(), modified, modified, Map.of());
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }

    private static String randomHex() {
        byte[] b = new byte[8];
        RANDOM.nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    private static ContainerjException notFound(Digest digest) {
        return ContainerjException.notFound("content %s: not found", digest);
    }

    /** A host failure: containerd passes such errors on as they are, which clients see as UNKNOWN. */
    static ContainerjException failure(String what, IOException e) {
        if (e instanceof AccessDeniedException) {
            return new ContainerjException(ErrorKind.PERMISSION_DENIED, what + ": permission denied: " + e.getMessage(), e);
        }
        if (e instanceof FileAlreadyExistsException) {
            return new ContainerjException(ErrorKind.ALREADY_EXISTS, what + ": " + e.getMessage(), e);
        }
        return new ContainerjException(ErrorKind.UNKNOWN, what + ": " + e, e);
    }

    static String quote(String s) {
        return "\"" + s + "\"";
    }
}
