package org.containerj.diff.impl;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.containerj.api.content.ContentInfo;
import org.containerj.api.content.ContentStore;
import org.containerj.api.content.ContentWriter;
import org.containerj.api.content.Descriptor;
import org.containerj.api.content.Digest;
import org.containerj.api.content.NamespacedContentStore;
import org.containerj.api.diff.Applier;
import org.containerj.api.diff.Comparer;
import org.containerj.api.diff.DiffOptions;
import org.containerj.api.errdefs.ContainerjException;
import org.containerj.api.errdefs.ErrorKind;
import org.containerj.api.mount.Mount;
import org.containerj.api.mount.Mounter;
import org.containerj.diff.impl.MediaTypes.Compression;

/**
 * The walking differ: applies layer tars onto mounts with {@link TarApplier} and writes the
 * difference of two mounted trees with {@link TreeComparer}. Plain Java: the DS component
 * {@link WalkingDifferPlugin} gives it the content store and, per call, the mounter.
 *
 * <p>Where the mounts allow it, nothing is mounted, as in containerd: a single overlay
 * mount is applied to its upper directory (overlayfs whiteouts, parents from its lower
 * directories), a single read-write bind mount to its source. Anything else is mounted on a
 * temporary directory under {@code tmpMounts} through the {@link Mounter}.
 */
public final class WalkingDiffer implements Applier, Comparer {
    /** The label containerd puts on a compressed layer: the digest of its uncompressed tar. */
    public static final String UNCOMPRESSED_LABEL = "containerd.io/uncompressed";

    /** Supplies the mounter when one is needed; UNAVAILABLE when there is none. */
    public interface MounterSource {
        Mounter get();
    }

    private static final SecureRandom RANDOM = new SecureRandom();

    private final NamespacedContentStore content;
    private final MounterSource mounter;
    private final Path tmpMounts;

    public WalkingDiffer(NamespacedContentStore content, MounterSource mounter, Path tmpMounts) {
        this.content = content;
        this.mounter = mounter;
        this.tmpMounts = tmpMounts;
    }

    @Override
    public Descriptor apply(String namespace, Descriptor layer, List<Mount> mounts, Map<String, byte[]> payloads) {
        Compression compression = MediaTypes.compressionOf(layer.mediaType());
        ContentStore store = content.forNamespace(namespace);
        MessageDigest sha256 = sha256();
        try (SeekableByteChannel channel = store.reader(layer.digest());
                InputStream raw = new BufferedInputStream(Channels.newInputStream(channel), 128 * 1024);
                InputStream plain = MediaTypes.decompress(raw, compression);
                CountingInputStream counted = new CountingInputStream(new DigestInputStream(plain, sha256))) {
            boolean detached = payloads != null && payloads.containsKey(Applier.PAYLOAD_DETACHED_PARENTS);
            withTarget(mounts, (root, whiteouts, parents) -> TarApplier.apply(counted, root, whiteouts, parents,
                    detached));
            counted.transferTo(OutputStream.nullOutputStream()); // trailing data counts in the digest
            return new Descriptor(MediaTypes.OCI_LAYER, new Digest("sha256", HexFormat.of().formatHex(sha256.digest())),
                    counted.count());
        } catch (IOException e) {
            throw new ContainerjException(ErrorKind.UNKNOWN, "failed to apply layer " + layer.digest() + ": "
                    + e.getMessage(), e);
        }
    }

    @Override
    public Descriptor compare(String namespace, String lease, List<Mount> lower, List<Mount> upper,
            DiffOptions options) {
        String mediaType = options.mediaType().isEmpty() ? MediaTypes.OCI_LAYER_GZIP : options.mediaType();
        Compression compression = switch (mediaType) {
            case MediaTypes.OCI_LAYER -> Compression.NONE;
            case MediaTypes.OCI_LAYER_GZIP -> Compression.GZIP;
            case MediaTypes.OCI_LAYER_ZSTD -> Compression.ZSTD;
            default -> throw ContainerjException.notImplemented("unsupported diff media type: %s", mediaType);
        };
        String ref = options.ref().isEmpty() ? uniqueRef() : options.ref();
        ContentStore store = content.forNamespace(namespace, lease);
        MessageDigest sha256 = sha256();
        try (ContentWriter writer = store.writer(ref, 0, null, Map.of())) {
            writer.truncate(0);
            try (OutputStream compressed = MediaTypes.compress(
                    new BufferedOutputStream(new WriterOutputStream(writer), 128 * 1024), compression);
                    OutputStream out = new DigestOutputStream(compressed, sha256)) {
                withReadOnly(lower, lowerRoot -> withReadOnly(upper, upperRoot -> {
                    TreeComparer.write(lowerRoot, upperRoot, out, options.sourceDateEpoch());
                    return null;
                }));
            }
            Digest uncompressed = new Digest("sha256", HexFormat.of().formatHex(sha256.digest()));
            Map<String, String> labels = new LinkedHashMap<>(options.labels());
            if (compression != Compression.NONE) {
                labels.put(UNCOMPRESSED_LABEL, uncompressed.toString());
            }
            Digest digest = writer.digest();
            try {
                writer.commit(0, null, labels);
            } catch (ContainerjException e) {
                if (e.kind() != ErrorKind.ALREADY_EXISTS) {
                    throw e;
                }
            }
            ContentInfo info = store.info(digest);
            return new Descriptor(mediaType, digest, info.size());
        } catch (IOException e) {
            throw new ContainerjException(ErrorKind.UNKNOWN, "failed to write compressed diff: " + e.getMessage(), e);
        }
    }

    private interface TargetAction {
        void apply(Path root, TarApplier.Whiteouts whiteouts, List<Path> parents) throws IOException;
    }

    private interface RootAction<T> {
        T run(Path root) throws IOException;
    }

    private void withTarget(List<Mount> mounts, TargetAction action) throws IOException {
        if (mounts.size() == 1) {
            Mount m = mounts.get(0);
            if (m.type().equals("overlay")) {
                String upperDir = option(m, "upperdir=");
                if (upperDir != null) {
                    List<Path> parents = new ArrayList<>();
                    String lowerDirs = option(m, "lowerdir=");
                    if (lowerDirs != null) {
                        for (String d : lowerDirs.split(":")) {
                            parents.add(Path.of(d));
                        }
                    }
                    action.apply(Path.of(upperDir), TarApplier.Whiteouts.OVERLAY, parents);
                    return;
                }
            }
            if (isBind(m) && !m.options().contains("ro")) {
                action.apply(Path.of(m.source()), TarApplier.Whiteouts.DELETE, List.of());
                return;
            }
        }
        mounted(mounts, root -> {
            action.apply(root, TarApplier.Whiteouts.DELETE, List.of());
            return null;
        });
    }

    /**
     * Runs {@code action} on a read-only view of {@code mounts}: the source of a single bind
     * mount, or, for an overlay, the lower directories with its upper directory on top.
     */
    private <T> T withReadOnly(List<Mount> mounts, RootAction<T> action) throws IOException {
        if (mounts.size() == 1) {
            Mount m = mounts.get(0);
            if (isBind(m)) {
                return action.run(Path.of(m.source()));
            }
            if (m.type().equals("overlay")) {
                String upperDir = option(m, "upperdir=");
                String lowerDirs = option(m, "lowerdir=");
                String layers = upperDir == null ? lowerDirs : lowerDirs == null ? upperDir : upperDir + ":" + lowerDirs;
                if (layers != null && !layers.contains(":")) {
                    return action.run(Path.of(layers));
                }
                if (layers != null) {
                    List<String> options = new ArrayList<>();
                    for (String o : m.options()) {
                        if (!o.startsWith("upperdir=") && !o.startsWith("workdir=") && !o.startsWith("lowerdir=")) {
                            options.add(o);
                        }
                    }
                    options.add("lowerdir=" + layers);
                    options.add("ro");
                    return mounted(List.of(new Mount("overlay", m.source(), options)), action);
                }
            }
        }
        return mounted(mounts, action);
    }

    private <T> T mounted(List<Mount> mounts, RootAction<T> action) throws IOException {
        if (mounts.isEmpty()) {
            throw ContainerjException.invalidArgument("no mounts given");
        }
        Mounter m = mounter.get();
        Files.createDirectories(tmpMounts);
        Path dir = Files.createTempDirectory(tmpMounts, "containerj-mount");
        try {
            m.mountAll(mounts, dir);
            try {
                return action.run(dir);
            } finally {
                m.unmountAll(dir);
            }
        } finally {
            Files.deleteIfExists(dir);
        }
    }

    private static boolean isBind(Mount m) {
        return m.type().equals("bind") || m.options().contains("bind") || m.options().contains("rbind");
    }

    private static String option(Mount m, String prefix) {
        String found = null;
        for (String o : m.options()) {
            if (o.startsWith(prefix)) {
                found = o.substring(prefix.length());
            }
        }
        return found;
    }

    private static String uniqueRef() {
        byte[] b = new byte[9];
        RANDOM.nextBytes(b);
        return "diff-" + System.nanoTime() + "-" + HexFormat.of().formatHex(b);
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Counts what is read through it. */
    private static final class CountingInputStream extends java.io.FilterInputStream {
        private long count;

        CountingInputStream(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) {
                count++;
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            if (n > 0) {
                count += n;
            }
            return n;
        }

        @Override
        public long skip(long n) throws IOException {
            // read instead of skipping so that the digest sees every byte
            byte[] buffer = new byte[(int) Math.min(n, 64 * 1024)];
            long skipped = 0;
            while (skipped < n) {
                int r = read(buffer, 0, (int) Math.min(buffer.length, n - skipped));
                if (r < 0) {
                    break;
                }
                skipped += r;
            }
            return skipped;
        }

        long count() {
            return count;
        }
    }

    /** Appends to a content writer. */
    private static final class WriterOutputStream extends OutputStream {
        private final ContentWriter writer;

        WriterOutputStream(ContentWriter writer) {
            this.writer = writer;
        }

        @Override
        public void write(int b) {
            writer.write(ByteBuffer.wrap(new byte[] {(byte) b}));
        }

        @Override
        public void write(byte[] b, int off, int len) {
            writer.write(ByteBuffer.wrap(b, off, len));
        }
    }
}
