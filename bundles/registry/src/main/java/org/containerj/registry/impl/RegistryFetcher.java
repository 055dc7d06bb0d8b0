package org.containerj.registry.impl;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.containerj.api.content.Descriptor;
import org.containerj.api.errdefs.ContainerjException;
import org.containerj.api.errdefs.ErrorKind;
import org.containerj.api.remotes.Fetcher;
import org.tinylog.Logger;

/**
 * Fetches manifests (from {@code /manifests/<digest>}) and blobs ({@code /blobs/<digest>})
 * of one repository from the first endpoint with the pull capability that has them.
 * From {@code offset} on by a {@code Range} request (a registry that answers 200
 * instead has the skipped bytes read and dropped, as containerd does). A blob of at
 * least the range threshold is asked for in chunks: when the registry answers the first
 * range with 206, the rest is fetched as parallel ranges ({@link RangedBlobStream});
 * when it answers 200 the one stream is used.
 */
final class RegistryFetcher implements Fetcher {
    private static final Pattern CONTENT_RANGE = Pattern.compile("bytes\\s+(\\d+)-(\\d+)/(\\d+|\\*)");

    private final RegistryClient client;
    private final Session session;

    RegistryFetcher(RegistryClient client, Session session) {
        this.client = client;
        this.session = session;
    }

    @Override
    public InputStream fetch(Descriptor descriptor, long offset) {
        long size = descriptor.size();
        if (offset < 0 || (size >= 0 && offset > size)) {
            throw new ContainerjException(ErrorKind.OUT_OF_RANGE, RegistryClient.describe(descriptor) + ": offset "
                    + offset + " outside of its " + size + " bytes");
        }
        List<RegistryHost> hosts = session.hosts(EnumSet.of(Capability.PULL));
        if (hosts.isEmpty()) {
            throw ContainerjException.notFound("%s: no pull hosts", session.reference());
        }
        if (!MediaTypes.isManifest(descriptor.mediaType())) {
            InputStream foreign = fetchFromUrls(descriptor, offset);
            if (foreign != null) {
                return foreign;
            }
        }
        ContainerjException first = null;
        for (RegistryHost host : hosts) {
            try {
                boolean manifest = MediaTypes.isManifest(descriptor.mediaType());
                String path = RegistryClient.apiPath(host, session, (manifest ? "manifests/" : "blobs/")
                        + descriptor.digest());
                return open(host, path, List.of(session.scope(false)), descriptor, offset);
            } catch (ContainerjException e) {
                if (e.kind() == ErrorKind.CANCELED) {
                    throw e;
                }
                if (hosts.size() > 1) {
                    Logger.tag("registry").info("{}: {}: {}, trying next host", RegistryClient.describe(descriptor),
                            host, e.getMessage());
                }
                first = first == null ? e : first;
            }
        }
        if (first.kind() == ErrorKind.NOT_FOUND) {
            throw new ContainerjException(ErrorKind.NOT_FOUND, "could not fetch content descriptor " + descriptor.digest()
                    + " (" + descriptor.mediaType() + ") from remote: not found", first);
        }
        throw first;
    }

    /**
     * A layer with URLs (a foreign layer) is fetched from them first, as containerd does:
     * http(s) only, without the registry's credentials; a URL that answers 404 gives way to
     * the next and then to the registry; null when none had it.
     */
    private InputStream fetchFromUrls(Descriptor d, long offset) {
        for (String u : d.urls()) {
            URI uri;
            try {
                uri = new URI(u);
            } catch (URISyntaxException e) {
                Logger.tag("registry").warn("{}: ignoring malformed alternative url {}", RegistryClient.describe(d), u);
                continue;
            }
            if (uri.getScheme() == null || !(uri.getScheme().equals("http") || uri.getScheme().equals("https"))
                    || uri.getRawAuthority() == null || !ReferenceParser.isHost(uri.getRawAuthority())) {
                Logger.tag("registry").warn("{}: non-http(s) alternative url is unsupported: {}",
                        RegistryClient.describe(d), u);
                continue;
            }
            RegistryHost host = new RegistryHost(uri.getScheme(), uri.getRawAuthority(), "",
                    EnumSet.of(Capability.PULL), List.of(), List.of(), null, Map.of(), false);
            String path = (uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath())
                    + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
            try {
                return open(host, path, null, d, offset);
            } catch (ContainerjException e) {
                if (e.kind() != ErrorKind.NOT_FOUND) {
                    throw e;
                }
            }
        }
        return null;
    }

    private InputStream open(RegistryHost host, String path, List<String> scopes, Descriptor d, long offset) {
        String what = RegistryClient.describe(d);
        long size = d.size();
        boolean manifest = MediaTypes.isManifest(d.mediaType());
        String accept = d.mediaType() == null || d.mediaType().isEmpty() ? "*/*" : d.mediaType() + ", */*";
        RegistrySettings settings = client.settings();
        boolean ranged = !manifest && settings.ranges() && size > 0 && size - offset >= settings.rangeThreshold()
                && (settings.rangeLocal() || !HostsDirectory.isLocalhost(host.authority()));
        if (size >= 0 && offset == size) {
            return InputStream.nullInputStream();
        }
        String range = null;
        if (ranged) {
            range = "bytes=" + offset + "-" + (Math.min(offset + settings.rangeChunkSize(), size) - 1);
        } else if (offset > 0) {
            range = "bytes=" + offset + "-";
        }
        Map<String, List<String>> headers = range == null ? Map.of("Accept", List.of(accept))
                : Map.of("Accept", List.of(accept), "Range", List.of(range));
        RegistryHttp.Request req = new RegistryHttp.Request("GET", host, path, headers, null, scopes, what);
        RegistryResponse resp = client.http().send(session, req);
        boolean handedOver = false;
        try {
            if (!resp.ok()) {
                throw RegistryErrors.forResponse(resp, what);
            }
            InputStream body;
            if (resp.status() == 206) {
                long[] cr = contentRange(resp, what);
                if (cr[0] != offset) {
                    throw new ContainerjException(ErrorKind.UNAVAILABLE, what + ": unhandled content range in response: "
                            + resp.header("Content-Range"));
                }
                if (size >= 0 && cr[2] >= 0 && cr[2] != size) {
                    throw new ContainerjException(ErrorKind.DATA_LOSS, what + ": the registry has " + cr[2]
                            + " bytes, the descriptor says " + size);
                }
                if (ranged && cr[1] + 1 < size) {
                    long expected = cr[1] - cr[0] + 1;
                    if (expected != Math.min(settings.rangeChunkSize(), size - offset)) {
                        throw new ContainerjException(ErrorKind.UNAVAILABLE, what + ": unhandled content range in "
                                + "response: " + resp.header("Content-Range"));
                    }
                    Logger.tag("registry").debug("{}: {} bytes in ranges of {}", what, size - offset,
                            settings.rangeChunkSize());
                    body = new RangedBlobStream(what, offset, size, settings.rangeChunkSize(),
                            settings.rangeConcurrency(), resp.body(),
                            (from, length) -> fetchRange(host, path, scopes, accept, from, length, what),
                            client.rangeExecutor(), client.rangeBudget());
                    handedOver = true;
                    return body;
                }
                body = resp.body();
            } else {
                body = resp.body();
                long length = resp.contentLength();
                if (length >= 0 && size >= 0 && length != size) {
                    throw new ContainerjException(ErrorKind.DATA_LOSS, what + ": the registry sends " + length
                            + " bytes, the descriptor says " + size);
                }
                if (offset > 0) {
                    skip(body, offset, what);
                }
            }
            handedOver = true;
            return new SizedStream(body, size >= 0 ? size - offset : -1, what);
        } finally {
            if (!handedOver) {
                resp.close();
            }
        }
    }

    /** Exactly {@code length} bytes from {@code from}, by one range request (206 with that range). */
    private byte[] fetchRange(RegistryHost host, String path, List<String> scopes, String accept, long from, int length,
            String what) {
        String range = "bytes=" + from + "-" + (from + length - 1);
        RegistryHttp.Request req = new RegistryHttp.Request("GET", host, path,
                Map.of("Accept", List.of(accept), "Range", List.of(range)), null, scopes, what);
        try (RegistryResponse resp = client.http().send(session, req)) {
            if (!resp.ok()) {
                throw RegistryErrors.forResponse(resp, what);
            }
            if (resp.status() != 206) {
                throw new ContainerjException(ErrorKind.UNAVAILABLE, what + ": the registry answered range " + range
                        + " with " + RegistryErrors.statusText(resp.status()));
            }
            long[] cr = contentRange(resp, what);
            if (cr[0] != from || cr[1] != from + length - 1) {
                throw new ContainerjException(ErrorKind.UNAVAILABLE, what + ": asked for " + range
                        + ", the registry sent " + resp.header("Content-Range"));
            }
            InputStream in = resp.body();
            byte[] data = in.readNBytes(length);
            if (data.length < length) {
                throw new ContainerjException(ErrorKind.DATA_LOSS, what + ": short read: range at " + from + " has "
                        + data.length + " of " + length + " bytes");
            }
            if (in.read() >= 0) {
                throw new ContainerjException(ErrorKind.DATA_LOSS, what + ": range at " + from + " is longer than "
                        + length + " bytes");
            }
            return data;
        } catch (IOException e) {
            throw new ContainerjException(ErrorKind.UNAVAILABLE, what + ": reading range " + range + ": " + e, e);
        }
    }

    /** {start, end, total} of Content-Range; total -1 when {@code *}. */
    private static long[] contentRange(RegistryResponse resp, String what) {
        String v = resp.header("Content-Range");
        Matcher m = v == null ? null : CONTENT_RANGE.matcher(v.trim());
        if (m == null || !m.matches()) {
            throw new ContainerjException(ErrorKind.UNAVAILABLE, what + ": partial content without a valid "
                    + "Content-Range: " + v);
        }
        long total = m.group(3).equals("*") ? -1 : Long.parseLong(m.group(3));
        return new long[] {Long.parseLong(m.group(1)), Long.parseLong(m.group(2)), total};
    }

    private static void skip(InputStream in, long n, String what) {
        byte[] buf = new byte[8192];
        long left = n;
        try {
            while (left > 0) {
                int r = in.read(buf, 0, (int) Math.min(buf.length, left));
                if (r < 0) {
                    throw new ContainerjException(ErrorKind.DATA_LOSS, what + ": short read: the registry sent "
                            + (n - left) + " bytes, resuming at " + n);
                }
                left -= r;
            }
        } catch (IOException e) {
            throw new ContainerjException(ErrorKind.UNAVAILABLE, what + ": " + e, e);
        }
    }
}
