package org.containerj.transfer.impl;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.containerj.api.content.Descriptor;
import org.containerj.api.transfer.Platform;

/**
 * JSON written the way Go's {@code encoding/json} writes containerd's structs: fields in
 * declaration order, empty optional fields left out, map keys sorted, no spaces, and
 * {@code <}, {@code >}, {@code &}, U+2028, U+2029 escaped. Manifests and indexes that
 * containerd generates (Docker archive import, export's index.json) then have the same
 * bytes, hence the same digests, when containerj generates them.
 */
public final class GoJson {
    private final StringBuilder out = new StringBuilder();
    private boolean needComma;

    public GoJson beginObject() {
        comma();
        out.append('{');
        needComma = false;
        return this;
    }

    public GoJson endObject() {
        out.append('}');
        needComma = true;
        return this;
    }

    public GoJson beginArray() {
        comma();
        out.append('[');
        needComma = false;
        return this;
    }

    public GoJson endArray() {
        out.append(']');
        needComma = true;
        return this;
    }

    public GoJson name(String name) {
        comma();
        string(name);
        out.append(':');
        needComma = false;
        return this;
    }

    public GoJson value(String s) {
        comma();
        string(s);
        needComma = true;
        return this;
    }

    public GoJson value(long n) {
        comma();
        out.append(n);
        needComma = true;
        return this;
    }

    public GoJson nullValue() {
        comma();
        out.append("null");
        needComma = true;
        return this;
    }

    public GoJson stringArray(List<String> values) {
        beginArray();
        values.forEach(this::value);
        return endArray();
    }

    /** A {@code map[string]string}: keys sorted. */
    public GoJson stringMap(Map<String, String> map) {
        beginObject();
        new TreeMap<>(map).forEach((k, v) -> name(k).value(v));
        return endObject();
    }

    /** An OCI descriptor (image-spec's field order), with an optional platform. */
    public GoJson descriptor(Descriptor d, Platform platform) {
        beginObject();
        name("mediaType").value(d.mediaType());
        name("digest").value(d.digest().toString());
        name("size").value(d.size());
        if (!d.urls().isEmpty()) {
            name("urls").stringArray(d.urls());
        }
        if (!d.annotations().isEmpty()) {
            name("annotations").stringMap(d.annotations());
        }
        if (platform != null) {
            name("platform").beginObject();
            name("architecture").value(platform.architecture());
            name("os").value(platform.os());
            if (!platform.variant().isEmpty()) {
                name("variant").value(platform.variant());
            }
            endObject();
        }
        return endObject();
    }

    public byte[] bytes() {
        return out.toString().getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        return out.toString();
    }

    private void comma() {
        if (needComma) {
            out.append(',');
        }
    }

    private void string(String s) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case '<', '>', '&', '\u2028', '\u2029' -> out.append(String.format("\\u%04x", (int) c));
                default -> {
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }
}
