package org.containerj.diff.impl;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.function.Consumer;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

/** Builds tars for tests, entry by entry, whatever the names say. */
final class Tars {
    static final Instant MTIME = Instant.parse("2020-01-02T03:04:05Z");

    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final TarArchiveOutputStream tar;

    Tars() {
        tar = new TarArchiveOutputStream(bytes, StandardCharsets.UTF_8.name());
        tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
        tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
    }

    Tars dir(String name, int mode) {
        return entry(name, TarConstants.LF_DIR, mode, null, null, e -> { });
    }

    Tars file(String name, int mode, String content) {
        return entry(name, TarConstants.LF_NORMAL, mode, null, content.getBytes(StandardCharsets.UTF_8), e -> { });
    }

    Tars file(String name, int mode, String content, Consumer<TarArchiveEntry> more) {
        return entry(name, TarConstants.LF_NORMAL, mode, null, content.getBytes(StandardCharsets.UTF_8), more);
    }

    Tars symlink(String name, String target) {
        return entry(name, TarConstants.LF_SYMLINK, 0777, target, null, e -> { });
    }

    Tars hardlink(String name, String target) {
        return entry(name, TarConstants.LF_LINK, 0644, target, null, e -> { });
    }

    Tars device(String name, byte flag, int mode, int major, int minor) {
        return entry(name, flag, mode, null, null, e -> {
            e.setDevMajor(major);
            e.setDevMinor(minor);
        });
    }

    Tars entry(String name, byte flag, int mode, String link, byte[] data, Consumer<TarArchiveEntry> more) {
        try {
            TarArchiveEntry e = new TarArchiveEntry(name, flag, true);
            e.setMode(mode);
            if (link != null) {
                e.setLinkName(link);
            }
            e.setLastModifiedTime(FileTime.from(MTIME));
            e.setSize(data == null ? 0 : data.length);
            more.accept(e);
            tar.putArchiveEntry(e);
            if (data != null) {
                tar.write(data);
            }
            tar.closeArchiveEntry();
            return this;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    byte[] bytes() {
        try {
            tar.finish();
            tar.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    InputStream stream() {
        return new ByteArrayInputStream(bytes());
    }
}
