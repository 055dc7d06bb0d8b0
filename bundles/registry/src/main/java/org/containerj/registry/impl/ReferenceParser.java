package org.containerj.registry.impl;

import java.util.Locale;
import java.util.regex.Matcher;
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

    // the grammar of the distribution project's reference package; '-' separators are
    // one or more dashes (not "zero or more", which makes the expression backtrack badly)
    private static final String ALPHA_NUMERIC = "[a-z0-9]+";
    private static final String SEPARATOR = "(?:[._]|__|-+)";
    private static final String PATH_COMPONENT = ALPHA_NUMERIC + "(?:" + SEPARATOR + ALPHA_NUMERIC + ")*";
    private static final String DOMAIN_COMPONENT = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
    private static final String IPV6 = "\\[[a-fA-F0-9:]+\\]";
    private static final String DOMAIN = "(?:" + DOMAIN_COMPONENT + "(?:\\." + DOMAIN_COMPONENT + ")*|" + IPV6
            + ")(?::[0-9]+)?";
    private static final String TAG = "[\\w][\\w.-]{0,127}";
    private static final String DIGEST = "[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}";
    private static final String NAME = "(?:" + DOMAIN + "/)?" + PATH_COMPONENT + "(?:/" + PATH_COMPONENT + ")*";
    private static final Pattern REFERENCE = Pattern.compile(
            "(" + NAME + ")(?::(" + TAG + "))?(?:@(" + DIGEST + "))?");
    private static final Pattern DOMAIN_ONLY = Pattern.compile(DOMAIN);
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
        String full = domain + "/" + remainder;
        Matcher m = REFERENCE.matcher(full);
        if (!m.matches()) {
            if (REFERENCE.matcher(full.toLowerCase(Locale.ROOT)).matches()) {
                throw invalid(reference, "invalid reference format: repository name must be lowercase");
            }
            throw invalid(reference, "invalid reference format");
        }
        String name = m.group(1);
        if (name.length() > NAME_TOTAL_LENGTH_MAX) {
            throw invalid(reference, "repository name must not be more than " + NAME_TOTAL_LENGTH_MAX + " characters");
        }
        String repository = name.substring(domain.length() + 1);
        String tag = m.group(2);
        String digest = m.group(3);
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

    private static final Pattern REPOSITORY = Pattern.compile(PATH_COMPONENT + "(?:/" + PATH_COMPONENT + ")*");
    private static final Pattern TAG_ONLY = Pattern.compile(TAG);

    /**
     * Checks a reference built by a caller rather than parsed here: its parts go into
     * URLs, so they must have the grammar's shape. INVALID_ARGUMENT otherwise.
     */
    static void validate(ImageReference ref) {
        if (!isHost(ref.host())) {
            throw invalid(ref.toString(), "invalid registry host " + quote(ref.host()));
        }
        checkRepository(ref.repository());
        if (ref.tag() != null && !TAG_ONLY.matcher(ref.tag()).matches()) {
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
        if (repository == null || !REPOSITORY.matcher(repository).matches()
                || repository.length() > NAME_TOTAL_LENGTH_MAX) {
            throw ContainerjException.invalidArgument("invalid repository name %s",
                    quote(repository == null ? "" : repository));
        }
    }

    /** A tag or a digest, what a manifest may be pushed under; INVALID_ARGUMENT otherwise. */
    static String checkTagOrDigest(String tagOrDigest) {
        if (tagOrDigest != null && TAG_ONLY.matcher(tagOrDigest).matches()) {
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
        return host != null && DOMAIN_ONLY.matcher(host).matches();
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
