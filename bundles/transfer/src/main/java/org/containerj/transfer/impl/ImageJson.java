package org.containerj.transfer.impl;

import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.containerj.api.content.Descriptor;
import org.containerj.api.content.Digest;
import org.containerj.api.errdefs.ContainerjException;
import org.containerj.api.transfer.Platform;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;

/**
 * Reads the JSON documents of an image: indexes, manifests and configs. Anything that is
 * not strict JSON of the expected shape (a descriptor without a valid digest, a negative
 * size, a config without {@code rootfs.diff_ids}) is INVALID_ARGUMENT naming the blob.
 */
public final class ImageJson {

    /** A descriptor with the platform an index gives it (null when none). */
    public record Child(Descriptor descriptor, Platform platform) {
    }

    public record Index(List<Child> manifests, Map<String, String> annotations) {
    }

    public record Manifest(Descriptor config, List<Descriptor> layers) {
    }

    /** What the transfer needs of an image config: its platform and the layers' diff ids. */
    public record Config(Platform platform, List<Digest> diffIds) {
    }

    /** A Docker archive's {@code manifest.json} entry. */
    public record DockerArchiveEntry(String config, List<String> repoTags, List<String> layers) {
    }

    private ImageJson() {
    }

    public static Index index(Descriptor blob, byte[] json) {
        JsonObject o = object(blob, json);
        List<Child> children = new ArrayList<>();
        JsonElement m = o.get("manifests");
        if (m != null && !m.isJsonNull()) {
            for (JsonElement e : array(blob, m, "manifests")) {
                JsonObject d = asObject(blob, e, "manifests[]");
                children.add(new Child(descriptor(blob, d), platform(blob, d.get("platform"))));
            }
        }
        return new Index(List.copyOf(children), stringMap(blob, o.get("annotations"), "annotations"));
    }

    public static Manifest manifest(Descriptor blob, byte[] json) {
        JsonObject o = object(blob, json);
        JsonElement config = o.get("config");
        if (config == null || !config.isJsonObject()) {
            throw invalid(blob, "no config descriptor");
        }
        List<Descriptor> layers = new ArrayList<>();
        JsonElement l = o.get("layers");
        if (l != null && !l.isJsonNull()) {
            for (JsonElement e : array(blob, l, "layers")) {
                layers.add(descriptor(blob, asObject(blob, e, "layers[]")));
            }
        }
        return new Manifest(descriptor(blob, config.getAsJsonObject()), List.copyOf(layers));
    }

    public static Config config(Descriptor blob, byte[] json) {
        JsonObject o = object(blob, json);
        Platform platform = new Platform(string(blob, o.get("os"), "os"), string(blob, o.get("architecture"),
                "architecture"), string(blob, o.get("variant"), "variant"));
        List<Digest> diffIds = new ArrayList<>();
        JsonElement rootfs = o.get("rootfs");
        if (rootfs != null && rootfs.isJsonObject()) {
            JsonElement ids = rootfs.getAsJsonObject().get("diff_ids");
            if (ids != null && !ids.isJsonNull()) {
                for (JsonElement e : array(blob, ids, "rootfs.diff_ids")) {
                    diffIds.add(digest(blob, string(blob, e, "rootfs.diff_ids[]")));
                }
            }
        } else if (rootfs != null && !rootfs.isJsonNull()) {
            throw invalid(blob, "rootfs is not an object");
        }
        return new Config(platform, List.copyOf(diffIds));
    }

    /** The entries of a Docker archive's {@code manifest.json}. */
    public static List<DockerArchiveEntry> dockerArchiveManifest(byte[] json) {
        Descriptor blob = null;
        JsonElement root = parse(null, json);
        List<DockerArchiveEntry> out = new ArrayList<>();
        for (JsonElement e : array(blob, root, "manifest.json")) {
            JsonObject o = asObject(blob, e, "manifest.json[]");
            List<String> tags = new ArrayList<>();
            JsonElement t = o.get("RepoTags");
            if (t != null && !t.isJsonNull()) {
                for (JsonElement s : array(blob, t, "RepoTags")) {
                    tags.add(string(blob, s, "RepoTags[]"));
                }
            }
            List<String> layers = new ArrayList<>();
            JsonElement l = o.get("Layers");
            if (l != null && !l.isJsonNull()) {
                for (JsonElement s : array(blob, l, "Layers")) {
                    layers.add(string(blob, s, "Layers[]"));
                }
            }
            out.add(new DockerArchiveEntry(string(blob, o.get("Config"), "Config"), List.copyOf(tags),
                    List.copyOf(layers)));
        }
        return out;
    }

    /** The {@code imageLayoutVersion} of an {@code oci-layout} file. */
    public static String layoutVersion(byte[] json) {
        return string(null, parse(null, json).getAsJsonObject().get("imageLayoutVersion"), "imageLayoutVersion");
    }

    // ---- parsing helpers

    private static JsonObject object(Descriptor blob, byte[] json) {
        JsonElement e = parse(blob, json);
        if (!e.isJsonObject()) {
            throw invalid(blob, "not a JSON object");
        }
        return e.getAsJsonObject();
    }

    /** Strict JSON of valid UTF-8, one value and nothing after it. */
    static JsonElement parse(Descriptor blob, byte[] json) {
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(json)).toString();
        } catch (CharacterCodingException e) {
            throw invalid(blob, "not UTF-8");
        }
        try (JsonReader reader = new JsonReader(new StringReader(text))) {
            reader.setStrictness(Strictness.STRICT);
            JsonElement e = JsonParser.parseReader(reader);
            if (reader.peek() != JsonToken.END_DOCUMENT) {
                throw invalid(blob, "trailing data after the JSON value");
            }
            return e;
        } catch (JsonParseException | IOException | IllegalStateException e) {
            throw invalid(blob, "not valid JSON: " + e.getMessage());
        }
    }

    private static Descriptor descriptor(Descriptor blob, JsonObject d) {
        String mediaType = string(blob, d.get("mediaType"), "mediaType");
        Digest digest = digest(blob, string(blob, d.get("digest"), "digest"));
        JsonElement s = d.get("size");
        long size = 0;
        if (s != null && !s.isJsonNull()) {
            try {
                if (!s.isJsonPrimitive() || !s.getAsJsonPrimitive().isNumber()) {
                    throw new NumberFormatException();
                }
                size = s.getAsBigDecimal().longValueExact();
            } catch (RuntimeException e) {
                throw invalid(blob, "size of " + digest + " is not a whole number");
            }
        }
        if (size < 0) {
            throw invalid(blob, "negative size of " + digest);
        }
        List<String> urls = new ArrayList<>();
        JsonElement u = d.get("urls");
        if (u != null && !u.isJsonNull()) {
            for (JsonElement e : array(blob, u, "urls")) {
                urls.add(string(blob, e, "urls[]"));
            }
        }
        return new Descriptor(mediaType, digest, size, stringMap(blob, d.get("annotations"), "annotations"), urls);
    }

    private static Platform platform(Descriptor blob, JsonElement e) {
        if (e == null || e.isJsonNull()) {
            return null;
        }
        JsonObject p = asObject(blob, e, "platform");
        return new Platform(string(blob, p.get("os"), "platform.os"),
                string(blob, p.get("architecture"), "platform.architecture"),
                string(blob, p.get("variant"), "platform.variant"));
    }

    private static Digest digest(Descriptor blob, String s) {
        try {
            return Digest.parse(s);
        } catch (ContainerjException e) {
            throw invalid(blob, e.getMessage());
        }
    }

    private static Map<String, String> stringMap(Descriptor blob, JsonElement e, String what) {
        if (e == null || e.isJsonNull()) {
            return Map.of();
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (Map.Entry<String, JsonElement> entry : asObject(blob, e, what).entrySet()) {
            out.put(entry.getKey(), string(blob, entry.getValue(), what + "." + entry.getKey()));
        }
        return out;
    }

    private static JsonArray array(Descriptor blob, JsonElement e, String what) {
        if (!e.isJsonArray()) {
            throw invalid(blob, what + " is not an array");
        }
        return e.getAsJsonArray();
    }

    private static JsonObject asObject(Descriptor blob, JsonElement e, String what) {
        if (!e.isJsonObject()) {
            throw invalid(blob, what + " is not an object");
        }
        return e.getAsJsonObject();
    }

    private static String string(Descriptor blob, JsonElement e, String what) {
        if (e == null || e.isJsonNull()) {
            return "";
        }
        if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isString()) {
            throw invalid(blob, what + " is not a string");
        }
        return e.getAsString();
    }

    private static ContainerjException invalid(Descriptor blob, String why) {
        String what = blob == null ? "archive metadata" : blob.mediaType() + " " + blob.digest();
        return ContainerjException.invalidArgument("%s: %s", what, why);
    }
}
