package org.containerj.registry.impl;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

import javax.net.ssl.SSLException;

import org.containerj.api.errdefs.ContainerjException;
import org.containerj.api.errdefs.ErrorKind;
import org.containerj.api.remotes.RegistryCredentials;
import org.tinylog.Logger;

/**
 * Sends requests to registry endpoints: authorization (asking the {@link Authorizer}
 * after a 401 and retrying), redirects (followed for GET and HEAD, without credentials
 * when the host changes), containerd's retries (HEAD of a manifest answered 405 is sent
 * again as GET; 408 and 429 are retried; at most {@value #MAX_RESPONSES} answers per
 * request), https-then-http for local registries, and the stall timeout while waiting
 * for an answer (a request whose body makes no progress for it fails too).
 */
final class RegistryHttp {
    static final int MAX_RESPONSES = 6;
    static final int MAX_REDIRECTS = 10;
    private static final Set<String> RESTRICTED = Set.of("connection", "content-length", "expect", "host", "upgrade");

    private final HttpClients clients;
    private final Authorizer authorizer;
    private final ScheduledExecutorService watchdog;
    private final String userAgent;
    /** Local endpoints found to speak plain http (tried with https first). */
    private final Set<String> plainHttpEndpoints = ConcurrentHashMap.newKeySet();

    /** A request body that can be sent again (after a 401) by opening it again. */
    interface Body {
        long length();

        InputStream open();

        static Body of(byte[] bytes) {
            return new Body() {
                @Override
                public long length() {
                    return bytes.length;
                }

                @Override
                public InputStream open() {
                    return new java.io.ByteArrayInputStream(bytes);
                }
            };
        }

        static Body of(Supplier<InputStream> data, long length) {
            return new Body() {
                @Override
                public long length() {
                    return length;
                }

                @Override
                public InputStream open() {
                    InputStream in = data.get();
                    if (in == null) {
                        throw ContainerjException.invalidArgument("no data to upload");
                    }
                    return in;
                }
            };
        }
    }

    /**
     * One request to one endpoint.
     *
     * @param path    path and query after the endpoint's origin (already encoded)
     * @param scopes  token scopes it needs; null for a request that is never authorized
     * @param what    what it is about, for messages (e.g. {@code blob sha256:...})
     */
    record Request(String method, RegistryHost host, String path, Map<String, List<String>> headers, Body body,
            List<String> scopes, String what) {
    }

    RegistryHttp(HttpClients clients, Authorizer authorizer, ScheduledExecutorService watchdog, String userAgent) {
        this.clients = clients;
        this.authorizer = authorizer;
        this.watchdog = watchdog;
        this.userAgent = userAgent;
    }

    ScheduledExecutorService watchdog() {
        return watchdog;
    }

    /** The answer to {@code r} after authorization, redirects and retries; any status. */
    RegistryResponse send(Session session, Request r) {
        RegistryHost host = r.host();
        // no scopes: a URL outside the registry (a foreign layer), never authorized
        boolean anonymous = r.scopes() == null;
        List<String> scopes = anonymous ? new ArrayList<>() : new ArrayList<>(r.scopes());
        String method = r.method();
        URI uri = uri(host, r.path());
        boolean sameOrigin = host.authority().equalsIgnoreCase(uri.getRawAuthority());
        int responses = 0;
        int redirects = 0;
        int unauthorized = 0;
        boolean fellBack = false;
        HttpClient client = clients.client(TlsSettings.of(host, session.defaultSkipVerify()));
        RegistryCredentials credentials = session.credentials(host, host.authority());
        Authorizer.Context auth = new Authorizer.Context(host.authority(), credentials,
                new TokenFetcher.Transport(client, session.stallTimeout(), session.headers(), userAgent));
        while (true) {
            String authorization = sameOrigin && !anonymous ? authorizer.authorization(auth, scopes) : null;
            RegistryResponse resp;
            try {
                resp = exchange(client, session, r, method, uri, authorization);
            } catch (FallbackToHttp e) {
                if (fellBack || !host.httpFallback() || !uri.getScheme().equals("https")) {
                    throw RegistryErrors.connectionError(r.what() + ": " + method + " " + uri, e.cause);
                }
                Logger.tag("registry").info("{}: no TLS, using http", host.authority());
                plainHttpEndpoints.add(host.authority());
                fellBack = true;
                uri = uri(host, r.path());
                continue;
            }
            responses++;
            int status = resp.status();
            String location = resp.header("Location");
            if (isRedirect(status) && location != null && (method.equals("GET") || method.equals("HEAD"))) {
                resp.close();
                if (++redirects > MAX_REDIRECTS) {
                    throw new ContainerjException(ErrorKind.UNAVAILABLE, r.what() + ": " + method + " " + r.path()
                            + ": stopped after " + MAX_REDIRECTS + " redirects");
                }
                URI next = resolve(uri, location);
                sameOrigin = sameOrigin && next.getRawAuthority() != null
                        && next.getRawAuthority().equalsIgnoreCase(host.authority());
                if (status == 303) {
                    method = "GET";
                }
                uri = next;
                continue;
            }
            if (responses >= MAX_RESPONSES) {
                return resp;
            }
            if (status == 401 && sameOrigin && !anonymous
                    && challenged(resp, auth, authorization, scopes, unauthorized++ > 0)) {
                continue;
            }
            if (status == 405 && method.equals("HEAD") && r.path().contains("/manifests/")) {
                // registries without HEAD on manifests
                resp.close();
                method = "GET";
                continue;
            }
            if (status == 408 || status == 429) {
                resp.close();
                continue;
            }
            return resp;
        }
    }

    /** Whether a 401 can be answered with new authorization; the response is closed when so or on failure. */
    private boolean challenged(RegistryResponse resp, Authorizer.Context auth, String authorization,
            List<String> scopes, boolean repeated) {
        try {
            if (authorizer.challenged(auth, resp.headers("WWW-Authenticate"), authorization, scopes, repeated)) {
                resp.close();
                return true;
            }
            return false;
        } catch (RuntimeException e) {
            resp.close();
            throw e;
        }
    }

    /**
     * The URL of {@code path} on an endpoint (http for a local one found to speak no TLS);
     * an absolute URL (an upload location) as it is.
     */
    URI uri(RegistryHost host, String path) {
        if (path.startsWith("http://") || path.startsWith("https://")) {
            return URI.create(path);
        }
        String scheme = host.httpFallback() && plainHttpEndpoints.contains(host.authority()) ? "http" : host.scheme();
        return URI.create(scheme + "://" + host.authority() + path);
    }

    static URI resolve(URI base, String location) {
        try {
            URI next = base.resolve(location.trim());
            if (next.getScheme() == null || !(next.getScheme().equals("http") || next.getScheme().equals("https"))) {
                throw new IllegalArgumentException("not an http(s) URL");
            }
            return next;
        } catch (IllegalArgumentException e) {
            throw new ContainerjException(ErrorKind.UNAVAILABLE, base + ": bad Location " + ReferenceParser.quote(location));
        }
    }

    private static boolean isRedirect(int status) {
        return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
    }

    /** A TLS failure against an endpoint that may speak plain http. */
    private static final class FallbackToHttp extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final IOException cause;

        FallbackToHttp(IOException cause) {
            super(cause);
            this.cause = cause;
        }
    }

    private RegistryResponse exchange(HttpClient client, Session session, Request r, String method, URI uri,
            String authorization) {
        String what = r.what();
        HttpRequest.Builder b = HttpRequest.newBuilder(uri);
        session.headers().forEach((k, vs) -> vs.forEach(v -> addHeader(b, k, v)));
        r.host().headers().forEach((k, vs) -> vs.forEach(v -> addHeader(b, k, v)));
        if (r.headers() != null) {
            r.headers().forEach((k, vs) -> vs.forEach(v -> addHeader(b, k, v)));
        }
        b.setHeader("User-Agent", userAgent);
        if (authorization != null) {
            b.setHeader("Authorization", authorization);
        }
        Progress progress = new Progress();
        InputStream upload = null;
        if (r.body() != null && r.body().length() == 0 && !method.equals("GET") && !method.equals("HEAD")) {
            // the JDK sends Content-Length: 0 for no body
            b.method(method, HttpRequest.BodyPublishers.noBody());
        } else if (r.body() != null && !method.equals("GET") && !method.equals("HEAD")) {
            upload = new ProgressStream(r.body().open(), progress, r.body().length());
            InputStream body = upload;
            b.method(method, HttpRequest.BodyPublishers.fromPublisher(
                    HttpRequest.BodyPublishers.ofInputStream(() -> body), r.body().length()));
        } else {
            b.method(method, HttpRequest.BodyPublishers.noBody());
        }
        CompletableFuture<HttpResponse<InputStream>> f;
        try {
            f = client.sendAsync(b.build(), HttpResponse.BodyHandlers.ofInputStream());
        } catch (IllegalArgumentException e) {
            closeQuietly(upload);
            throw ContainerjException.invalidArgument("%s: %s %s: %s", what, method, uri, e.getMessage());
        }
        long stall = session.stallTimeout().toNanos();
        long slice = Math.max(10, Math.min(1000, session.stallTimeout().toMillis() / 4));
        try {
            while (true) {
                try {
                    HttpResponse<InputStream> resp = f.get(slice, TimeUnit.MILLISECONDS);
                    InputStream guarded = new StallGuardedStream(resp.body(), session.stallTimeout(), what, watchdog);
                    return new RegistryResponse(r.host(), method, uri, resp.statusCode(), resp.headers(), guarded);
                } catch (TimeoutException e) {
                    if (System.nanoTime() - progress.last > stall) {
                        f.cancel(true);
                        throw new ContainerjException(ErrorKind.DEADLINE_EXCEEDED, what + ": " + method + " " + uri
                                + ": no answer for " + GoDuration.format(session.stallTimeout()) + " (stalled)");
                    }
                }
            }
        } catch (InterruptedException e) {
            f.cancel(true);
            Thread.currentThread().interrupt();
            throw new ContainerjException(ErrorKind.CANCELED, what + ": " + method + " " + uri + ": interrupted");
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (upload instanceof ProgressStream p && p.failure() != null) {
                throw p.failure();
            }
            if (cause instanceof SSLException ssl && r.host().httpFallback()) {
                throw new FallbackToHttp(ssl);
            }
            if (cause instanceof IOException io) {
                if (io.getCause() instanceof ContainerjException c) {
                    throw c;
                }
                throw RegistryErrors.connectionError(what + ": " + method + " " + uri, io);
            }
            if (cause instanceof ContainerjException c) {
                throw c;
            }
            throw new ContainerjException(ErrorKind.UNAVAILABLE, what + ": " + method + " " + uri + ": " + cause, cause);
        } finally {
            closeQuietly(upload);
        }
    }

    static void addHeader(HttpRequest.Builder b, String name, String value) {
        if (RESTRICTED.contains(name.toLowerCase(Locale.ROOT))) {
            Logger.tag("registry").debug("header {} cannot be set, dropped", name);
            return;
        }
        try {
            b.header(name, value);
        } catch (IllegalArgumentException e) {
            Logger.tag("registry").warn("header {}: {}, dropped", name, e.getMessage());
        }
    }

    private static void closeQuietly(InputStream in) {
        if (in != null) {
            try {
                in.close();
            } catch (IOException | RuntimeException e) {
                // done with it
            }
        }
    }

    /** When the request last made progress (sent body bytes). */
    static final class Progress {
        volatile long last = System.nanoTime();
    }

    /**
     * An upload's data: records progress, and notes when it holds fewer or more bytes
     * than announced (DATA_LOSS rather than the HTTP client's own complaint).
     */
    static final class ProgressStream extends InputStream {
        private final InputStream in;
        private final Progress progress;
        private final long length;
        private long count;
        private volatile ContainerjException failure;

        ProgressStream(InputStream in, Progress progress, long length) {
            this.in = in;
            this.progress = progress;
            this.length = length;
        }

        ContainerjException failure() {
            return failure;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n;
            try {
                n = in.read(b, off, len);
            } catch (ContainerjException e) {
                failure = e;
                throw new IOException(e.getMessage(), e);
            }
            progress.last = System.nanoTime();
            if (n < 0) {
                if (count < length) {
                    failure = new ContainerjException(ErrorKind.DATA_LOSS, "the data to upload ends after " + count
                            + " bytes, expected " + length);
                }
                return n;
            }
            count += n;
            if (count > length) {
                failure = new ContainerjException(ErrorKind.DATA_LOSS, "the data to upload is longer than " + length
                        + " bytes");
            }
            return n;
        }

        @Override
        public void close() throws IOException {
            in.close();
        }
    }
}
