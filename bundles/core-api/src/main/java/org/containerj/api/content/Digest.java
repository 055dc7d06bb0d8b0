package org.containerj.api.content;

import java.util.regex.Pattern;

import org.containerj.api.errdefs.ContainerjException;

/**
 * A content digest, {@code algorithm:hex}. Only forms a store can trust are accepted:
 * sha256 (64 hex), sha384 (96), sha512 (128), lower-case. Anything else is
 * INVALID_ARGUMENT, so a digest can safely name a file on disk.
 */
public record Digest(String algorithm, String hex) {
    private static final Pattern HEX = Pattern.compile("[a-f0-9]+");

    public Digest {
        int expected = switch (algorithm) {
            case "sha256" -> 64;
            case "sha384" -> 96;
            case "sha512" -> 128;
            default -> throw ContainerjException.invalidArgument("unsupported digest algorithm: %s", algorithm);
        };
        if (hex == null || hex.length() != expected || !HEX.matcher(hex).matches()) {
            throw ContainerjException.invalidArgument("invalid checksum digest format: %s:%s", algorithm, hex);
        }
    }

    /** Parses {@code algorithm:hex}; INVALID_ARGUMENT when malformed. */
    public static Digest parse(String s) {
        int colon = s == null ? -1 : s.indexOf(':');
        if (colon <= 0) {
            throw ContainerjException.invalidArgument("invalid checksum digest format: %s", s);
        }
        return new Digest(s.substring(0, colon), s.substring(colon + 1));
    }

    @Override
    public String toString() {
        return algorithm + ":" + hex;
    }
}
