package org.containerj.config.impl;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The path of a key in a TOML document, rendered the way a user writes it:
 * {@code plugins."io.containerd.grpc.v1.cri".registry}.
 */
public final class KeyPath {

    private static final Pattern BARE = Pattern.compile("[A-Za-z0-9_-]+");
    private static final KeyPath ROOT = new KeyPath(List.of());

    private final List<String> segments;

    private KeyPath(List<String> segments) {
        this.segments = segments;
    }

    public static KeyPath root() {
        return ROOT;
    }

    public static KeyPath of(String... segments) {
        return new KeyPath(List.of(segments));
    }

    public KeyPath child(String segment) {
        List<String> s = new ArrayList<>(segments.size() + 1);
        s.addAll(segments);
        s.add(segment);
        return new KeyPath(Collections.unmodifiableList(s));
    }

    public KeyPath index(int i) {
        return child(Integer.toString(i));
    }

    public boolean isRoot() {
        return segments.isEmpty();
    }

    @Override
    public String toString() {
        if (segments.isEmpty()) {
            return "(top level)";
        }
        StringBuilder b = new StringBuilder();
        for (String s : segments) {
            if (b.length() > 0) {
                b.append('.');
            }
            if (BARE.matcher(s).matches()) {
                b.append(s);
            } else {
                b.append('"').append(s.replace("\\", "\\\\").replace("\"", "\\\"")).append('"');
            }
        }
        return b.toString();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof KeyPath k && k.segments.equals(segments);
    }

    @Override
    public int hashCode() {
        return segments.hashCode();
    }
}
