package org.containerj.api.metadata;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

import org.containerj.api.errdefs.ContainerjException;

/**
 * A key of the metadata store: a path of non-empty string segments, such as
 * {@code v1/default/images/docker.io/library/busybox:latest} =
 * {@code Key.of("v1", "default", "images", "docker.io/library/busybox:latest")}.
 *
 * <p>Stored as the UTF-8 bytes of the segments joined with a NUL byte, so a segment may
 * hold any character except NUL (U+0000), including {@code /}. Because NUL sorts below
 * every other byte, the byte order of encoded keys is the order of their segment lists
 * (segment by segment, each compared by its UTF-8 bytes), which is the order scans
 * return; and a prefix scan of {@code [a, b]} matches exactly the keys whose first two
 * segments are {@code a} and {@code b}, never {@code [a, bc]}.
 *
 * <p>The key with no segments ({@link #ROOT}) is only a scan prefix: it can't be stored.
 */
public record Key(List<String> segments) implements Comparable<Key> {

    /** The empty key: the prefix of every key. */
    public static final Key ROOT = new Key(List.of());

    private static final byte SEPARATOR = 0;

    public Key {
        segments = List.copyOf(Objects.requireNonNull(segments, "segments"));
        for (String s : segments) {
            checkSegment(s);
        }
    }

    /** A key of these segments; INVALID_ARGUMENT when a segment is empty, holds NUL or is not valid Unicode. */
    public static Key of(String... segments) {
        return new Key(Arrays.asList(segments));
    }

    /** This key with {@code more} segments appended. */
    public Key child(String... more) {
        List<String> all = new ArrayList<>(segments.size() + more.length);
        all.addAll(segments);
        all.addAll(Arrays.asList(more));
        return new Key(all);
    }

    /** This key without its last segment; {@link #ROOT} stays ROOT. */
    public Key parent() {
        return segments.isEmpty() ? this : new Key(segments.subList(0, segments.size() - 1));
    }

    public int size() {
        return segments.size();
    }

    public boolean isRoot() {
        return segments.isEmpty();
    }

    /** The segment at {@code index} (0 is the first). */
    public String segment(int index) {
        return segments.get(index);
    }

    /** The last segment; IllegalStateException for ROOT. */
    public String last() {
        if (segments.isEmpty()) {
            throw new IllegalStateException("the root key has no segments");
        }
        return segments.get(segments.size() - 1);
    }

    /** True when this key's first segments are exactly those of {@code prefix} (every key starts with itself). */
    public boolean startsWith(Key prefix) {
        return prefix.segments.size() <= segments.size()
                && segments.subList(0, prefix.segments.size()).equals(prefix.segments);
    }

    /** The stored form: UTF-8 segments joined with NUL. */
    public byte[] encode() {
        ByteArrayOutputStream out = new ByteArrayOutputStream(16 * Math.max(1, segments.size()));
        for (int i = 0; i < segments.size(); i++) {
            if (i > 0) {
                out.write(SEPARATOR);
            }
            out.writeBytes(segments.get(i).getBytes(StandardCharsets.UTF_8));
        }
        return out.toByteArray();
    }

    /** The key whose stored form is {@code encoded}; INVALID_ARGUMENT when it isn't one. */
    public static Key decode(byte[] encoded) {
        if (encoded.length == 0) {
            return ROOT;
        }
        List<String> parts = new ArrayList<>();
        int start = 0;
        for (int i = 0; i <= encoded.length; i++) {
            if (i == encoded.length || encoded[i] == SEPARATOR) {
                parts.add(new String(encoded, start, i - start, StandardCharsets.UTF_8));
                start = i + 1;
            }
        }
        Key key = new Key(parts);
        if (!Arrays.equals(key.encode(), encoded)) {
            throw ContainerjException.invalidArgument("not a valid metadata key: %s", Arrays.toString(encoded));
        }
        return key;
    }

    /** Orders keys as the store does: segment by segment, each by its UTF-8 bytes. */
    @Override
    public int compareTo(Key other) {
        return Arrays.compareUnsigned(encode(), other.encode());
    }

    /** The segments joined with {@code /}, for messages (ambiguous when a segment holds {@code /}). */
    @Override
    public String toString() {
        return String.join("/", segments);
    }

    private static void checkSegment(String s) {
        if (s == null || s.isEmpty()) {
            throw ContainerjException.invalidArgument("metadata key segment must not be empty");
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\0') {
                throw ContainerjException.invalidArgument("metadata key segment %s must not contain NUL", quote(s));
            }
            if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                throw ContainerjException.invalidArgument("metadata key segment %s is not valid Unicode", quote(s));
            }
        }
    }

    private static String quote(String s) {
        return "\"" + s.replace("\0", "\\0") + "\"";
    }
}
