package org.containerj.transfer.impl;

import java.util.regex.Pattern;

import org.containerj.api.errdefs.ContainerjException;

/**
 * Docker's reference conventions for names found in archives: {@code busybox} is
 * {@code docker.io/library/busybox:latest} (normalize), and back (familiarize); the
 * object part of a name (its tag, or {@code @digest}) is what OCI's
 * {@code org.opencontainers.image.ref.name} holds.
 */
public final class DockerReferences {
    private static final Pattern NAME_COMPONENT = Pattern.compile("[a-z0-9]+(?:(?:\\.|_|__|-+)[a-z0-9]+)*");
    private static final Pattern TAG = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}");
    private static final Pattern DIGEST = Pattern.compile("[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]{32,}");
    private static final String DEFAULT_DOMAIN = "docker.io";

    private record Parts(String domain, String path, String tag, String digest) {
    }

    private DockerReferences() {
    }

    /** containerd's ParseDockerRef: full name, {@code :latest} when neither tag nor digest, digest wins over tag. */
    public static String normalize(String ref) {
        Parts p = parse(ref);
        String name = p.domain + "/" + p.path;
        if (p.digest != null) {
            return name + "@" + p.digest;
        }
        return name + ":" + (p.tag == null ? "latest" : p.tag);
    }

    /** The short form Docker shows: no {@code docker.io/}, no {@code library/}; the tag kept (latest added). */
    public static String familiarize(String ref) {
        Parts p = parse(ref);
        String path = p.path;
        String name;
        if (p.domain.equals(DEFAULT_DOMAIN)) {
            name = path.startsWith("library/") && path.indexOf('/', 8) < 0 ? path.substring(8) : path;
        } else {
            name = p.domain + "/" + path;
        }
        if (p.digest != null && p.tag == null) {
            return name + "@" + p.digest;
        }
        String s = name + ":" + (p.tag == null ? "latest" : p.tag);
        return p.digest == null ? s : s + "@" + p.digest;
    }

    /** The object of a name as containerd's reference.Parse splits it (tag, tag@digest or @digest); the name itself when it does not parse. */
    public static String object(String name) {
        int at = name.indexOf('@');
        String locator = at < 0 ? name : name.substring(0, at);
        String digest = at < 0 ? "" : name.substring(at);
        int slash = locator.lastIndexOf('/');
        int colon = locator.lastIndexOf(':');
        if (slash < 0 || colon < slash) {
            return digest.isEmpty() ? name : digest;
        }
        return locator.substring(colon + 1) + digest;
    }

    private static Parts parse(String ref) {
        if (ref == null || ref.isEmpty()) {
            throw ContainerjException.invalidArgument("invalid reference format: empty");
        }
        String rest = ref;
        String digest = null;
        int at = rest.indexOf('@');
        if (at >= 0) {
            digest = rest.substring(at + 1);
            rest = rest.substring(0, at);
            if (!DIGEST.matcher(digest).matches()) {
                throw ContainerjException.invalidArgument("invalid reference format: %s", ref);
            }
        }
        String tag = null;
        int slash = rest.lastIndexOf('/');
        int colon = rest.lastIndexOf(':');
        if (colon > slash) {
            tag = rest.substring(colon + 1);
            rest = rest.substring(0, colon);
            if (!TAG.matcher(tag).matches()) {
                throw ContainerjException.invalidArgument("invalid reference format: %s", ref);
            }
        }
        String domain;
        String path;
        int first = rest.indexOf('/');
        String head = first < 0 ? "" : rest.substring(0, first);
        if (first < 0 || !(head.contains(".") || head.contains(":") || head.equals("localhost")
                || !head.equals(head.toLowerCase(java.util.Locale.ROOT)))) {
            domain = DEFAULT_DOMAIN;
            path = rest;
        } else {
            domain = head;
            path = rest.substring(first + 1);
        }
        if (domain.equals("index.docker.io")) {
            domain = DEFAULT_DOMAIN;
        }
        if (domain.equals(DEFAULT_DOMAIN) && path.indexOf('/') < 0) {
            path = "library/" + path;
        }
        for (String component : path.split("/", -1)) {
            if (!NAME_COMPONENT.matcher(component).matches()) {
                throw ContainerjException.invalidArgument("invalid reference format: %s", ref);
            }
        }
        return new Parts(domain, path, tag, digest);
    }
}
