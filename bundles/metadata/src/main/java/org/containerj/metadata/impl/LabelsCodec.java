package org.containerj.metadata.impl;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

import org.containerj.api.errdefs.ContainerjException;

/**
 * The stored form of a namespace's labels, kept as one value at {@code v1/<ns>/labels}
 * (one key per label would hit LMDB's 511-byte key limit long before containerd's
 * 4096-byte label limit). An empty value means no labels. Otherwise: a format byte (1),
 * the number of labels, then key and value of each, sorted by key; numbers are unsigned
 * LEB128 varints and strings are UTF-8 preceded by their length.
 */
final class LabelsCodec {

    private static final int FORMAT = 1;

    private LabelsCodec() {
    }

    static byte[] encode(Map<String, String> labels) {
        if (labels.isEmpty()) {
            return new byte[0];
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(FORMAT);
        writeVarint(out, labels.size());
        for (Map.Entry<String, String> e : new TreeMap<>(labels).entrySet()) {
            writeString(out, e.getKey());
            writeString(out, e.getValue());
        }
        return out.toByteArray();
    }

    static SortedMap<String, String> decode(byte[] stored) {
        SortedMap<String, String> labels = new TreeMap<>();
        if (stored.length == 0) {
            return labels;
        }
        try {
            ByteBuffer in = ByteBuffer.wrap(stored);
            int format = in.get();
            if (format != FORMAT) {
                throw ContainerjException.internal("namespace labels are stored in unknown format " + format, null);
            }
            int n = readVarint(in);
            for (int i = 0; i < n; i++) {
                labels.put(readString(in), readString(in));
            }
            if (in.hasRemaining()) {
                throw new IllegalArgumentException(in.remaining() + " bytes after the last label");
            }
            return labels;
        } catch (RuntimeException e) {
            if (e instanceof ContainerjException ce) {
                throw ce;
            }
            throw ContainerjException.internal("namespace labels are corrupt: " + e, e);
        }
    }

    private static void writeString(ByteArrayOutputStream out, String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        writeVarint(out, b.length);
        out.writeBytes(b);
    }

    private static String readString(ByteBuffer in) {
        int len = readVarint(in);
        if (len > in.remaining()) {
            throw new IllegalArgumentException("string of " + len + " bytes with " + in.remaining() + " left");
        }
        String s = new String(in.array(), in.position(), len, StandardCharsets.UTF_8);
        in.position(in.position() + len);
        return s;
    }

    private static void writeVarint(ByteArrayOutputStream out, int v) {
        while ((v & ~0x7f) != 0) {
            out.write((v & 0x7f) | 0x80);
            v >>>= 7;
        }
        out.write(v);
    }

    private static int readVarint(ByteBuffer in) {
        int v = 0;
        for (int shift = 0; shift < 32; shift += 7) {
            byte b = in.get();
            v |= (b & 0x7f) << shift;
            if ((b & 0x80) == 0) {
                if (v < 0) {
                    throw new IllegalArgumentException("negative length");
                }
                return v;
            }
        }
        throw new IllegalArgumentException("varint too long");
    }
}
