package org.containerj.registry.impl;

import java.io.IOException;
import java.io.InputStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Semaphore;

import org.containerj.api.content.Descriptor;
import org.containerj.api.content.Digest;
import org.containerj.api.errdefs.ContainerjException;
import org.containerj.api.errdefs.ErrorKind;
import org.containerj.api.remotes.Fetcher;
import org.containerj.api.remotes.ImageReference;
import org.containerj.api.remotes.Pusher;
import org.containerj.api.remotes.RemoteOptions;
import org.containerj.api.remotes.Resolved;
import org.containerj.api.remotes.Resolver;
import org.tinylog.Logger;

/**
 * The registry client (containerd's docker resolver): resolves references on the
 * endpoints hosts.toml gives for their registry, and makes fetchers and pushers for a
 * repository. Plain Java; {@link RegistryPlugin} is its OSGi face.
 */
final class RegistryClient implements Resolver {
    /** containerd's bound on a manifest found by resolving (its MaxManifestSize: 4 × 1048 × 1048). */
    static final long MAX_MANIFEST_SIZE = 4L * 1048 * 1048;

    private final RegistryHttp http;
    private final ExecutorService rangeExecutor;
    private volatile RegistrySettings settings;
    private volatile Semaphore rangeBudget;

    RegistryClient(RegistryHttp http, ExecutorService rangeExecutor, RegistrySettings settings) {
        this.http = http;
        this.rangeExecutor = rangeExecutor;
        this.settings = settings;
        this.rangeBudget = new Semaphore(settings.rangeBufferLimit());
    }

    /** A client on its own threads, with the JDK clock; the caller closes the threads. */
    static RegistryClient create(RegistrySettings settings, java.time.Duration connectTimeout, String userAgent,
            RegistryThreads threads) {
        return create(settings, connectTimeout, userAgent, threads, java.time.Clock.systemUTC());
    }

    /** With the clock that tells when tokens expire. */
    static RegistryClient create(RegistrySettings settings, java.time.Duration connectTimeout, String userAgent,
            RegistryThreads threads, java.time.Clock clock) {
        RegistryHttp http = new RegistryHttp(new HttpClients(connectTimeout, threads.http),
                new Authorizer(new TokenFetcher(), clock), threads.watchdog, userAgent);
        return new RegistryClient(http, threads.ranges, settings);
    }

    void update(RegistrySettings s) {
        if (s.rangeBufferLimit() != settings.rangeBufferLimit()) {
            // streams under way keep the budget they started with
            rangeBudget = new Semaphore(s.rangeBufferLimit());
        }
        this.settings = s;
    }

    /** Bytes the chunks of all ranged blobs (beyond each one's first) may hold together. */
    Semaphore rangeBudget() {
        return rangeBudget;
    }

    RegistrySettings settings() {
        return settings;
    }

    RegistryHttp http() {
        return http;
    }

    ExecutorService rangeExecutor() {
        return rangeExecutor;
    }

    @Override
    public ImageReference parse(String reference) {
        return ReferenceParser.parse(reference);
    }

    /** The conversation for one repository: its endpoints, the options, the stall timeout in force. */
    Session session(ImageReference ref, RemoteOptions options) {
        ReferenceParser.validate(ref);
        RemoteOptions o = options == null ? RemoteOptions.DEFAULT : options;
        RegistrySettings s = settings;
        Path dir = o.hostsDir() != null ? Path.of(o.hostsDir()) : s.configPath();
        List<RegistryHost> hosts = HostsDirectory.hosts(dir, ref.host(), o.plainHttp());
        Duration stall = o.stallTimeout() != null && !o.stallTimeout().isNegative() && !o.stallTimeout().isZero()
                ? o.stallTimeout() : s.stallTimeout();
        return new Session(ref, o, hosts, stall);
    }

    @Override
    public Resolved resolve(ImageReference reference, RemoteOptions options) {
        Session s = session(reference, options);
        String digest = reference.digest();
        List<String> paths;
        Set<Capability> caps;
        if (digest != null) {
            // a digest may name a manifest or, as containerd allows, any blob
            paths = List.of("manifests/" + digest, "blobs/" + digest);
            caps = EnumSet.of(Capability.PULL);
        } else {
            String tag = reference.tag() == null ? ReferenceParser.DEFAULT_TAG : reference.tag();
            paths = List.of("manifests/" + tag);
            caps = EnumSet.of(Capability.PULL, Capability.RESOLVE);
        }
        List<RegistryHost> hosts = s.hosts(caps);
        if (hosts.isEmpty()) {
            throw ContainerjException.notFound("%s: no resolve hosts", reference);
        }
        String what = "reference " + reference;
        ContainerjException first = null;
        for (String p : paths) {
            for (RegistryHost host : hosts) {
                RegistryHttp.Request req = new RegistryHttp.Request("HEAD", host, apiPath(host, s, p),
                        Map.of("Accept", List.of(MediaTypes.RESOLVE_ACCEPT)), null, List.of(s.scope(false)), what);
                RegistryResponse resp;
                try {
                    resp = http.send(s, req);
                } catch (ContainerjException e) {
                    if (e.kind() == ErrorKind.CANCELED) {
                        throw e;
                    }
                    Logger.tag("registry").info("{}: {}: {}, trying next host", reference, host, e.getMessage());
                    first = first == null ? accessDenied(e) : first;
                    continue;
                }
                try {
                    if (resp.status() == 404) {
                        continue;
                    }
                    if (!resp.ok()) {
                        ContainerjException e = accessDenied(RegistryErrors.forResponse(resp, what));
                        first = first == null ? e : first;
                        continue;
                    }
                    Resolved r = described(s, host, p, resp, digest, what);
                    if (r == null) {
                        if (first == null) {
                            first = ContainerjException.notFound("rejecting manifest larger than %d bytes for %s",
                                    MAX_MANIFEST_SIZE, reference);
                        }
                        continue;
                    }
                    Logger.tag("registry").debug("{} resolved to {}", reference, r.descriptor().digest());
                    return r;
                } finally {
                    resp.close();
                }
            }
        }
        throw first != null ? first : ContainerjException.notFound("%s: not found", reference);
    }

    /** The descriptor an answer to a resolve gives; null when the manifest is too large. */
    private Resolved described(Session s, RegistryHost host, String p, RegistryResponse resp, String digest,
            String what) {
        long size = resp.contentLength();
        String mediaType = manifestMediaType(resp);
        String dgst = digest;
        if (dgst == null) {
            String header = resp.header("Docker-Content-Digest");
            if (header != null && !header.isEmpty() && size != -1) {
                try {
                    dgst = Digest.parse(header.trim()).toString();
                } catch (ContainerjException e) {
                    throw new ContainerjException(ErrorKind.UNKNOWN, what + ": " + ReferenceParser.quote(header)
                            + " in header not a valid digest: " + e.getMessage());
                }
            }
        }
        if (dgst == null || size == -1 || resp.method().equals("GET")) {
            // no digest or size from HEAD: the body tells (containerd does the same GET)
            byte[] body;
            if (resp.method().equals("GET")) {
                body = readManifest(resp, what);
            } else {
                RegistryHttp.Request get = new RegistryHttp.Request("GET", host, apiPath(host, s, p),
                        Map.of("Accept", List.of(MediaTypes.RESOLVE_ACCEPT)), null, List.of(s.scope(false)), what);
                try (RegistryResponse g = http.send(s, get)) {
                    if (!g.ok()) {
                        throw accessDenied(RegistryErrors.forResponse(g, what));
                    }
                    mediaType = manifestMediaType(g);
                    body = readManifest(g, what);
                }
            }
            if (body == null) {
                return null;
            }
            if (dgst == null) {
                dgst = "sha256:" + sha256(body);
            }
            size = body.length;
        }
        if (size > MAX_MANIFEST_SIZE) {
            return null;
        }
        return new Resolved(s.reference(), new Descriptor(mediaType, Digest.parse(dgst), size));
    }

    /** The body of a manifest answer; null when it is larger than containerd accepts. */
    private static byte[] readManifest(RegistryResponse r, String what) {
        try (InputStream in = r.body()) {
            byte[] body = in.readNBytes((int) MAX_MANIFEST_SIZE + 1);
            return body.length > MAX_MANIFEST_SIZE ? null : body;
        } catch (IOException e) {
            throw new ContainerjException(ErrorKind.UNAVAILABLE, what + ": reading the manifest failed: " + e, e);
        }
    }

    /** Content-Type without parameters; {@code text/plain} (a registry of old) is a schema 1 manifest. */
    static String manifestMediaType(RegistryResponse r) {
        String type = r.mediaType();
        return type.equals("text/plain") ? MediaTypes.DOCKER_SCHEMA1 : type;
    }

    /** containerd's wording for a resolve refused by the registry. */
    private static ContainerjException accessDenied(ContainerjException e) {
        if (e.kind() == ErrorKind.UNAUTHENTICATED || e.kind() == ErrorKind.PERMISSION_DENIED) {
            return new ContainerjException(e.kind(),
                    "pull access denied, repository does not exist or may require authorization: " + e.getMessage(), e);
        }
        return e;
    }

    @Override
    public Fetcher fetcher(ImageReference reference, RemoteOptions options) {
        return new RegistryFetcher(this, session(reference, options));
    }

    @Override
    public Pusher pusher(ImageReference reference, RemoteOptions options) {
        return new RegistryPusher(this, session(reference, options));
    }

    /**
     * {@code <api root>/<repository>/<rest>}, with {@code ?ns=<registry>} for an endpoint
     * that is not the registry itself (as containerd tells a mirror which registry is meant).
     */
    static String apiPath(RegistryHost host, Session s, String rest) {
        String p = host.path() + "/" + s.reference().repository() + "/" + rest;
        if (host.isProxy(s.reference().host())) {
            p += (rest.indexOf('?') >= 0 ? "&" : "?") + "ns=" + encode(s.reference().host());
        }
        return p;
    }

    static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    static String sha256(byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static String digestOf(String algorithm, byte[] data) {
        String jca = switch (algorithm) {
            case "sha256" -> "SHA-256";
            case "sha384" -> "SHA-384";
            case "sha512" -> "SHA-512";
            default -> throw ContainerjException.invalidArgument("unsupported digest algorithm: %s", algorithm);
        };
        try {
            return algorithm + ":" + HexFormat.of().formatHex(MessageDigest.getInstance(jca).digest(data));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** What a descriptor is, for messages: {@code manifest sha256:...} or {@code blob sha256:...}. */
    static String describe(Descriptor d) {
        return (MediaTypes.isManifest(d.mediaType()) ? "manifest " : "blob ") + d.digest();
    }
}
