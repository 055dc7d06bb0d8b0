package org.containerj.registry.impl;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One {@code WWW-Authenticate} challenge (RFC 7235): a scheme and its parameters, names
 * lower-cased. As containerd reads them: each header value is one challenge; schemes other
 * than bearer, digest and basic are dropped; bearer sorts first, basic last.
 */
record Challenge(String scheme, Map<String, String> parameters) {
    static final String BEARER = "bearer";
    static final String DIGEST = "digest";
    static final String BASIC = "basic";

    Challenge {
        parameters = Map.copyOf(parameters);
    }

    String parameter(String name) {
        return parameters.get(name);
    }

    /** The supported challenges of the header values, in the order to try them. */
    static List<Challenge> parse(List<String> headerValues) {
        List<Challenge> out = new ArrayList<>();
        for (String h : headerValues) {
            Challenge c = parseOne(h);
            if (c != null && (c.scheme.equals(BEARER) || c.scheme.equals(DIGEST) || c.scheme.equals(BASIC))) {
                out.add(c);
            }
        }
        out.sort(Comparator.comparingInt(Challenge::rank));
        return out;
    }

    private int rank() {
        return switch (scheme) {
            case BEARER -> 0;
            case DIGEST -> 1;
            default -> 2;
        };
    }

    /** {@code scheme k=v, k="quoted \" value"}; null when there is no scheme token. */
    static Challenge parseOne(String header) {
        Cursor c = new Cursor(header);
        String scheme = c.token();
        if (scheme.isEmpty()) {
            return null;
        }
        Map<String, String> params = new LinkedHashMap<>();
        while (true) {
            c.skipSpace();
            String key = c.token();
            if (key.isEmpty() || !c.take('=')) {
                break;
            }
            String value = c.tokenOrQuoted();
            if (value == null) {
                break;
            }
            params.put(key.toLowerCase(Locale.ROOT), value);
            c.skipSpace();
            if (!c.take(',')) {
                break;
            }
        }
        return new Challenge(scheme.toLowerCase(Locale.ROOT), params);
    }

    private static final class Cursor {
        private static final String SEPARATORS = " \t\"(),/:;<=>?@[]\\{}";
        private final String s;
        private int pos;

        Cursor(String s) {
            this.s = s == null ? "" : s;
        }

        void skipSpace() {
            while (pos < s.length() && " \t\r\n".indexOf(s.charAt(pos)) >= 0) {
                pos++;
            }
        }

        boolean take(char ch) {
            if (pos < s.length() && s.charAt(pos) == ch) {
                pos++;
                return true;
            }
            return false;
        }

        String token() {
            int start = pos;
            while (pos < s.length()) {
                char ch = s.charAt(pos);
                if (ch <= 31 || ch >= 127 || SEPARATORS.indexOf(ch) >= 0) {
                    break;
                }
                pos++;
            }
            return s.substring(start, pos);
        }

        /** A token or a quoted string with backslash escapes; null for an unterminated quote. */
        String tokenOrQuoted() {
            if (!take('"')) {
                return token();
            }
            StringBuilder b = new StringBuilder();
            while (pos < s.length()) {
                char ch = s.charAt(pos++);
                if (ch == '"') {
                    return b.toString();
                }
                if (ch == '\\' && pos < s.length()) {
                    ch = s.charAt(pos++);
                }
                b.append(ch);
            }
            return null;
        }
    }
}
