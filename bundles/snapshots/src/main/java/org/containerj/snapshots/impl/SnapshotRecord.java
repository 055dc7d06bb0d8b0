package org.containerj.snapshots.impl;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;

import org.containerj.api.errdefs.ContainerjException;
import org.containerj.api.snapshots.SnapshotKind;

/**
 * What the metadata store keeps of one snapshot of a namespace: the key the snapshotter
 * knows it by ({@code <namespace>/<n>/<key>}), its parent's key in the namespace, the
 * kind it had when last written (the snapshotter's answer is authoritative), times and
 * labels. Encoded as a version byte followed by length-prefixed UTF-8 fields.
 */
record SnapshotRecord(String backendKey, String parent, SnapshotKind kind, Instant created, Instant updated,
        Map<String, String> labels) {
    private static final int VERSION = 1;

    SnapshotRecord {
        parent = parent == null ? "" : parent;
        labels = Map.copyOf(labels);
    }

    SnapshotRecord withLabels(Map<String, String> newLabels, Instant now) {
        return new SnapshotRecord(backendKey, parent, kind, created, now, newLabels);
    }

    byte[] encode() {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream(128);
            DataOutputStream out = new DataOutputStream(bytes);
            out.writeByte(VERSION);
            writeString(out, backendKey);
            writeString(out, parent);
            out.writeByte(kind.wire());
            out.writeLong(created.getEpochSecond());
            out.writeInt(created.getNano());
            out.writeLong(updated.getEpochSecond());
            out.writeInt(updated.getNano());
            Map<String, String> sorted = new TreeMap<>(labels);
            out.writeInt(sorted.size());
            for (Map.Entry<String, String> e : sorted.entrySet()) {
                writeString(out, e.getKey());
                writeString(out, e.getValue());
            }
            out.flush();
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static SnapshotRecord decode(String key, byte[] bytes) {
        try {
            DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes));
            int version = in.readUnsignedByte();
            if (version != VERSION) {
                throw new IOException("unknown record version " + version);
            }
            String backendKey = readString(in);
            String parent = readString(in);
            SnapshotKind kind = kind(in.readUnsignedByte());
            Instant created = Instant.ofEpochSecond(in.readLong(), in.readInt());
            Instant updated = Instant.ofEpochSecond(in.readLong(), in.readInt());
            int n = in.readInt();
            Map<String, String> labels = new TreeMap<>();
            for (int i = 0; i < n; i++) {
                labels.put(readString(in), readString(in));
            }
            return new SnapshotRecord(backendKey, parent, kind, created, updated, labels);
        } catch (IOException | RuntimeException e) {
            throw ContainerjException.internal("snapshot " + key + ": damaged metadata record", e);
        }
    }

    private static SnapshotKind kind(int wire) {
        for (SnapshotKind k : SnapshotKind.values()) {
            if (k.wire() == wire) {
                return k;
            }
        }
        return SnapshotKind.UNKNOWN;
    }

    private static void writeString(DataOutputStream out, String s) throws IOException {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        out.writeInt(b.length);
        out.write(b);
    }

    private static String readString(DataInputStream in) throws IOException {
        int n = in.readInt();
        if (n < 0 || n > in.available()) {
            throw new IOException("bad string length " + n);
        }
        return new String(in.readNBytes(n), StandardCharsets.UTF_8);
    }
}
