package org.containerj.registry.impl;

import java.util.Locale;
import java.util.regex.Pattern;

import org.containerj.api.content.Digest;
import org.containerj.api.errdefs.ContainerjException;
import org.containerj.api.remotes.ImageReference;

/**
 * Parses image references the way containerd's {@code ParseDockerRef} does: a name
 * without a registry is on {@code docker.io}, a one-component name there gets
 * {@code library/}, {@code index.docker.io} is {@code docker.io}, a name without tag or
 * digest gets the tag {@code latest}, and a reference with both keeps only the digest.
 * Path components are lower-case; the registry part may have upper case, a port, or be
 * an IPv6 address in brackets. Anything else is INVALID_ARGUMENT with the reason.
 */
final class ReferenceParser {
    static final String DEFAULT_DOMAIN = "docker.io";
    static final String LEGACY_DEFAULT_DOMAIN = "index.docker.io";
    static final String OFFICIAL_REPOSITORY_PREFIX = "library/";
    static final String DEFAULT_TAG = "latest";
    static final int NAME_TOTAL_LENGTH_MAX = 255;

    // the grammar of the distribution project's reference package, checked piece by
    // piece rather than by one expression (a long name would exhaust the regex stack)
    private static final Pattern DOMAIN_COMPONENT = Pattern.compile("[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]");
    private static final Pattern IPV6 = Pattern.compile("\\[[a-fA-F0-9:]+\\]");
    private static final Pattern PORT = Pattern.compile("[0-9]+");
    private static final Pattern TAG = Pattern.compile("[\\w][\\w.-]{0,127}");
    private static final Pattern DIGEST_ALGORITHM = Pattern.compile("[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*");
    private static final Pattern DIGEST_HEX = Pattern.compile("[0-9a-fA-F]{32,}");
    private static final Pattern IDENTIFIER = Pattern.compile("[a-f0-9]{64}");

    private ReferenceParser() {
    }

    /** The normalized reference; INVALID_ARGUMENT naming the reference and the reason. */
    static ImageReference parse(String reference) {
        if (reference == null || reference.isEmpty()) {
            throw invalid("", "invalid reference format: repository name must have at least one component");
        }
        if (IDENTIFIER.matcher(reference).matches()) {
            throw invalid(reference, "invalid repository name, cannot specify 64-byte hexadecimal strings");
        }
        String[] split = splitDomain(reference);
        String domain = split[0];
        String remainder = split[1];
        int colon = remainder.indexOf(':');
        String remoteName = colon >= 0 ? remainder.substring(0, colon) : remainder;
        if (!remoteName.toLowerCase(Locale.ROOT).equals(remoteName)) {
            throw invalid(reference, "invalid reference format: repository name must be lowercase");
        }
        String[] parts = split(remainder);
        if (parts == null || !isHost(domain)) {
            String[] lower = split(remainder.toLowerCase(Locale.ROOT));
            if (lower != null && isHost(domain)) {
                throw invalid(reference, "invalid reference format: repository name must be lowercase");
            }
            throw invalid(reference, "invalid reference format");
        }
        String repository = parts[0];
        if (domain.length() + 1 + repository.length() > NAME_TOTAL_LENGTH_MAX) {
            throw invalid(reference, "repository name must not be more than " + NAME_TOTAL_LENGTH_MAX + " characters");
        }
        String tag = parts[1];
        String digest = parts[2];
        if (digest != null) {
            try {
                digest = Digest.parse(digest).toString();
            } catch (ContainerjException e) {
                throw invalid(reference, e.getMessage());
            }
            tag = null;
        } else if (tag == null) {
            tag = DEFAULT_TAG;
        }
        return new ImageReference(domain, repository, tag, digest);
    }

    /**
     * Registry and the rest: the first component is a registry when it has a dot or a
     * colon, is {@code localhost}, or has upper case (which a path component cannot).
     */
    private static String[] splitDomain(String name) {
        int slash = name.indexOf('/');
        String domain;
        String remainder;
        if (slash < 0) {
            domain = DEFAULT_DOMAIN;
            remainder = name;
        } else {
            String first = name.substring(0, slash);
            boolean isDomain = first.indexOf('.') >= 0 || first.indexOf(':') >= 0 || first.equals("localhost")
                    || !first.toLowerCase(Locale.ROOT).equals(first);
            if (isDomain) {
                domain = first;
                remainder = name.substring(slash + 1);
            } else {
                domain = DEFAULT_DOMAIN;
                remainder = name;
            }
        }
        if (domain.equals(LEGACY_DEFAULT_DOMAIN)) {
            domain = DEFAULT_DOMAIN;
        }
        if (domain.equals(DEFAULT_DOMAIN) && remainder.indexOf('/') < 0) {
            remainder = OFFICIAL_REPOSITORY_PREFIX + remainder;
        }
        return new String[] {domain, remainder};
    }

    /**
     * {repository, tag, digest} of {@code path[:tag][@digest]} (a name without registry);
     * null when it does not have the grammar's shape.
     */
    private static String[] split(String remainder) {
        String name = remainder;
        String digest = null;
        int at = name.indexOf('@');
        if (at >= 0) {
            digest = name.substring(at + 1);
            name = name.substring(0, at);
            int colon = digest.indexOf(':');
            if (colon < 0 || colon > 64 || !DIGEST_ALGORITHM.matcher(digest.substring(0, colon)).matches()
                    || !DIGEST_HEX.matcher(digest.substring(colon + 1)).matches()) {
                return null;
            }
        }
        String tag = null;
        int colon = name.indexOf(':');
        if (colon >= 0) {
            tag = name.substring(colon + 1);
            name = name.substring(0, colon);
            if (!TAG.matcher(tag).matches()) {
                return null;
            }
        }
        return isRepository(name) ? new String[] {name, tag, digest} : null;
    }

    /** Path components separated by '/': alphanumerics joined by '.', '_', '__' or dashes. */
    static boolean isRepository(String name) {
        if (name == null || name.isEmpty()) {
            return false;
        }
        for (String component : name.split("/", -1)) {
            if (!isPathComponent(component)) {
                return false;
            }
        }
        return true;
    }

    private static boolean isPathComponent(String c) {
        int i = 0;
        int n = c.length();
        boolean expectAlnum = true;
        while (i < n) {
            char ch = c.charAt(i);
            if ((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9')) {
                expectAlnum = false;
                i++;
                continue;
            }
            if (expectAlnum) {
                return false;
            }
            // a separator: '.', '_', '__' or one or more '-'
            if (ch == '.') {
                i++;
            } else if (ch == '_') {
                i += (i + 1 < n && c.charAt(i + 1) == '_') ? 2 : 1;
            } else if (ch == '-') {
                while (i < n && c.charAt(i) == '-') {
                    i++;
                }
            } else {
                return false;
            }
            expectAlnum = true;
        }
        return n > 0 && !expectAlnum;
    }

    /**
     * Checks a reference built by a caller rather than parsed here: its parts go into
     * URLs, so they must have the grammar's shape. INVALID_ARGUMENT otherwise.
     */
    static void validate(ImageReference ref) {
        if (!isHost(ref.host())) {
            throw invalid(ref.toString(), "invalid registry host " + quote(ref.host()));
        }
        checkRepository(ref.repository());
        if (ref.tag() != null && !TAG.matcher(ref.tag()).matches()) {
            throw invalid(ref.toString(), "invalid tag " + quote(ref.tag()));
        }
        if (ref.digest() != null) {
            try {
                Digest.parse(ref.digest());
            } catch (ContainerjException e) {
                throw invalid(ref.toString(), e.getMessage());
            }
        }
    }

    /** A repository path ({@code library/busybox}); INVALID_ARGUMENT when it is not one. */
    static void checkRepository(String repository) {
        if (!isRepository(repository) || repository.length() > NAME_TOTAL_LENGTH_MAX) {
            throw ContainerjException.invalidArgument("invalid repository name %s",
                    quote(repository == null ? "" : repository));
        }
    }

    /** A tag or a digest, what a manifest may be pushed under; INVALID_ARGUMENT otherwise. */
    static String checkTagOrDigest(String tagOrDigest) {
        if (tagOrDigest != null && TAG.matcher(tagOrDigest).matches()) {
            return tagOrDigest;
        }
        try {
            return Digest.parse(tagOrDigest).toString();
        } catch (ContainerjException e) {
            throw ContainerjException.invalidArgument("invalid tag or digest %s",
                    quote(tagOrDigest == null ? "" : tagOrDigest));
        }
    }

    /** True when {@code host} is a registry host as a reference may name it ({@code name[:port]}). */
    static boolean isHost(String host) {
        if (host == null || host.isEmpty()) {
            return false;
        }
        String name = host;
        if (name.startsWith("[")) {
            int close = name.indexOf(']');
            if (close < 0 || !IPV6.matcher(name.substring(0, close + 1)).matches()) {
                return false;
            }
            String rest = name.substring(close + 1);
            return rest.isEmpty() || (rest.startsWith(":") && PORT.matcher(rest.substring(1)).matches());
        }
        int colon = name.indexOf(':');
        if (colon >= 0) {
            if (!PORT.matcher(name.substring(colon + 1)).matches()) {
                return false;
            }
            name = name.substring(0, colon);
        }
        for (String component : name.split("\\.", -1)) {
            if (!DOMAIN_COMPONENT.matcher(component).matches()) {
                return false;
            }
        }
        return true;
    }

    private static ContainerjException invalid(String reference, String reason) {
        return ContainerjException.invalidArgument("%s: %s", quote(reference), reason);
    }

    static String quote(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            if (c == '"' || c == '\\') {
                b.append('\\').append(c);
            } else if (c < 0x20 || c == 0x7f) {
                b.append(String.format("\\x%02x", (int) c));
            } else {
                b.append(c);
            }
        }
        return b.append('"').toString();
    }
}
