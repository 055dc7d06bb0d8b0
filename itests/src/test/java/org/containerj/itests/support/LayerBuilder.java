package org.containerj.itests.support;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.zip.GZIPInputStream;

/**
 * Builds one gzip layer entry by entry, for images whose layers a test spells out
 * (whiteouts, hard links, owners, set-id modes, hostile names); entries are written as
 * given, names included, so a test can also build layers that must be refused.
 */
public final class LayerBuilder {
    private final BusyboxImage.LayerTar tar;

    private LayerBuilder(BusyboxImage.LayerTar tar) {
        this.tar = tar;
    }

    /** A layer with nothing in it yet. */
    public static LayerBuilder empty() {
        return new LayerBuilder(new BusyboxImage.LayerTar());
    }

    /** The busybox base layer ({@link BusyboxImage#single()}'s), to add to. */
    public static LayerBuilder busyboxBase() {
        return new LayerBuilder(BusyboxImage.busyboxBase());
    }

    public LayerBuilder dir(String name) {
        tar.dir(name);
        return this;
    }

    public LayerBuilder dir(String name, int mode, int uid, int gid) {
        tar.dir(name, mode, uid, gid);
        return this;
    }

    public LayerBuilder file(String name, String text, int mode) {
        tar.file(name, text.getBytes(StandardCharsets.UTF_8), mode);
        return this;
    }

    public LayerBuilder file(String name, String text, int mode, int uid, int gid) {
        tar.file(name, text.getBytes(StandardCharsets.UTF_8), mode, uid, gid);
        return this;
    }

    public LayerBuilder symlink(String name, String target) {
        tar.symlink(name, target);
        return this;
    }

    public LayerBuilder hardlink(String name, String target) {
        tar.hardlink(name, target);
        return this;
    }

    /** {@code .wh.NAME} next to {@code path}: deletes what lower layers have there. */
    public LayerBuilder whiteout(String path) {
        int slash = path.lastIndexOf('/');
        tar.file(path.substring(0, slash + 1) + ".wh." + path.substring(slash + 1), new byte[0], 0644);
        return this;
    }

    /** Makes directory {@code dir} opaque: nothing of it from lower layers shows. */
    public LayerBuilder opaque(String dir) {
        tar.file((dir.endsWith("/") ? dir : dir + "/") + ".wh..wh..opq", new byte[0], 0644);
        return this;
    }

    public BusyboxImage.Layer build() {
        return tar.layer();
    }

    /** A layer from a gzip blob made elsewhere (e.g. by {@code ctr snapshots diff}). */
    public static BusyboxImage.Layer fromGzipBlob(byte[] blob) {
        ByteArrayOutputStream diff = new ByteArrayOutputStream();
        try (InputStream in = new GZIPInputStream(new java.io.ByteArrayInputStream(blob))) {
            in.transferTo(diff);
        } catch (IOException e) {
            throw new UncheckedIOException("not a gzip layer", e);
        }
        return new BusyboxImage.Layer(blob, OciImageTar.sha256(blob), OciImageTar.sha256(diff.toByteArray()));
    }
}
