package org.containerj.registry.impl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.sun.net.httpserver.HttpExchange;

import org.containerj.api.content.Descriptor;
import org.containerj.api.errdefs.ContainerjException;
import org.containerj.api.errdefs.ErrorKind;
import org.containerj.api.remotes.ImageReference;
import org.containerj.api.remotes.RegistryCredentials;
import org.containerj.api.remotes.RemoteOptions;
import org.containerj.api.remotes.Resolved;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Edge cases against a scripted registry on 127.0.0.1: server errors, hangs and stalls,
 * short and long bodies, ranges, redirects, the token and basic auth flows, mounts and
 * uploads, mirrors from hosts.toml.
 */
class FakeRegistryTest {
    // generous: the machine may be busy with other builds, and a stall must not be seen where there is none
    static final Duration STALL = Duration.ofSeconds(2);
    static final Pattern RANGE = Pattern.compile("bytes=(\\d+)-(\\d*)");

    @TempDir
    Path hostsDir;

    private FakeRegistry fake;
    private RegistryThreads threads;
    private MutableClock clock;
    private RegistryClient client;

    /** A clock the tests move (token expiry), no waiting. */
    static final class MutableClock extends Clock {
        volatile Instant now = Instant.parse("2026-01-01T00:00:00Z");

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    @BeforeEach
    void start() throws IOException {
        fake = new FakeRegistry();
        threads = new RegistryThreads();
        clock = new MutableClock();
        client = RegistryClient.create(RegistrySettings.withRanges(hostsDir, STALL, 64 << 10, 16 << 10, 3),
                Duration.ofSeconds(5), "containerj-test", threads, clock);
    }

    @AfterEach
    void stop() {
        fake.close();
        threads.close();
    }

    private RemoteOptions plain() {
        return new RemoteOptions(null, true, false, null);
    }

    private RemoteOptions plain(String user, String secret) {
        return new RemoteOptions(h -> new RegistryCredentials(user, secret), true, false, null);
    }

    private ImageReference ref(String rest) {
        return client.parse(fake.host() + "/" + rest);
    }

    static Descriptor blob(byte[] data) {
        return DockerRegistryTest.descriptor(DockerRegistryTest.LAYER_TYPE, data);
    }

    static byte[] bytes(int n) {
        return DockerRegistryTest.random(n, n);
    }

    static ContainerjException fails(ErrorKind kind, org.junit.jupiter.api.function.Executable e) {
        ContainerjException x = assertThrows(ContainerjException.class, e);
        assertEquals(kind, x.kind(), x::getMessage);
        return x;
    }

    static byte[] readAll(InputStream in) throws IOException {
        return DockerRegistryTest.readAll(in);
    }

    /** A blob route that answers ranges with 206 (or ignores them when {@code ranges} is false). */
    static FakeRegistry.Handler blobRoute(byte[] data, boolean ranges, AtomicInteger rangeRequests) {
        return ex -> {
            String range = ex.getRequestHeaders().getFirst("Range");
            Matcher m = range == null ? null : RANGE.matcher(range);
            if (ranges && m != null && m.matches()) {
                int from = Integer.parseInt(m.group(1));
                int to = m.group(2).isEmpty() ? data.length - 1 : Math.min(Integer.parseInt(m.group(2)), data.length - 1);
                if (rangeRequests != null) {
                    rangeRequests.incrementAndGet();
                }
                ex.getResponseHeaders().set("Content-Range", "bytes " + from + "-" + to + "/" + data.length);
                FakeRegistry.send(ex, 206, Arrays.copyOfRange(data, from, to + 1));
            } else {
                ex.getResponseHeaders().set("Accept-Ranges", ranges ? "bytes" : "none");
                FakeRegistry.send(ex, 200, data);
            }
        };
    }

    static FakeRegistry.Handler manifestRoute(byte[] body, String mediaType, boolean digestHeader) {
        return ex -> {
            ex.getResponseHeaders().set("Content-Type", mediaType);
            if (digestHeader) {
                ex.getResponseHeaders().set("Docker-Content-Digest", "sha256:" + RegistryClient.sha256(body));
            }
            FakeRegistry.send(ex, 200, body);
        };
    }

    // ---- resolve

    @Test
    void resolvesByHeadWithTheDigestHeader() {
        byte[] m = "{\"schemaVersion\":2}".getBytes(StandardCharsets.UTF_8);
        fake.on("HEAD", "/v2/a/b/manifests/v1", manifestRoute(m, MediaTypes.OCI_INDEX + "; charset=utf-8", true));
        Resolved r = client.resolve(ref("a/b:v1"), plain());
        assertEquals(MediaTypes.OCI_INDEX, r.descriptor().mediaType());
        assertEquals("sha256:" + RegistryClient.sha256(m), r.descriptor().digest().toString());
        assertEquals(m.length, r.descriptor().size());
        FakeRegistry.Recorded head = fake.requests("HEAD", "/v2/a/b/manifests/v1").get(0);
        assertEquals(MediaTypes.RESOLVE_ACCEPT, head.header("Accept"));
        assertEquals("containerj-test", head.header("User-Agent"));
        assertTrue(fake.requests("GET", "/v2/a/b/manifests/v1").isEmpty(), "no GET when HEAD tells all");
    }

    @Test
    void resolvesByGetWhenHeadGivesNoDigest() {
        byte[] m = "{\"schemaVersion\":2,\"x\":1}".getBytes(StandardCharsets.UTF_8);
        fake.on("HEAD", "/v2/a/manifests/v1", manifestRoute(m, MediaTypes.DOCKER_MANIFEST, false));
        fake.on("GET", "/v2/a/manifests/v1", manifestRoute(m, MediaTypes.DOCKER_MANIFEST, false));
        Resolved r = client.resolve(ref("a:v1"), plain());
        assertEquals("sha256:" + RegistryClient.sha256(m), r.descriptor().digest().toString());
        assertEquals(MediaTypes.DOCKER_MANIFEST, r.descriptor().mediaType());
        assertEquals(1, fake.requests("GET", "/v2/a/manifests/v1").size());
    }

    @Test
    void headRefusedWith405IsSentAsGet() {
        byte[] m = "{}".getBytes(StandardCharsets.UTF_8);
        fake.on("HEAD", "/v2/a/manifests/v1", ex -> FakeRegistry.send(ex, 405, new byte[0]));
        fake.on("GET", "/v2/a/manifests/v1", manifestRoute(m, MediaTypes.OCI_MANIFEST, true));
        assertEquals(2, client.resolve(ref("a:v1"), plain()).descriptor().size());
    }

    @Test
    void serverErrorIsUnavailableWithTheStatus() {
        fake.on("HEAD", "/v2/a/manifests/v1", ex -> FakeRegistry.send(ex, 500, new byte[0]));
        ContainerjException e = fails(ErrorKind.UNAVAILABLE, () -> client.resolve(ref("a:v1"), plain()));
        assertTrue(e.getMessage().contains("500"), e::getMessage);
        fake.on("GET", "/v2/a/blobs/" + blob(bytes(10)).digest(), ex -> {
            ex.getResponseHeaders().set("Content-Type", "application/json");
            FakeRegistry.send(ex, 503, "{\"errors\":[{\"code\":\"UNAVAILABLE\",\"message\":\"try later\"}]}".getBytes());
        });
        ContainerjException f = fails(ErrorKind.UNAVAILABLE,
                () -> client.fetcher(ref("a:v1"), plain()).fetch(blob(bytes(10))));
        assertTrue(f.getMessage().contains("503") && f.getMessage().contains("UNAVAILABLE: try later"), f::getMessage);
    }

    @Test
    void notFoundAndRefusals() {
        fails(ErrorKind.NOT_FOUND, () -> client.resolve(ref("a:v1"), plain()));
        fake.on("HEAD", "/v2/denied/manifests/v1", ex -> FakeRegistry.send(ex, 403, new byte[0]));
        ContainerjException e = fails(ErrorKind.PERMISSION_DENIED, () -> client.resolve(ref("denied:v1"), plain()));
        assertTrue(e.getMessage().startsWith("pull access denied"), e::getMessage);
        fake.on("HEAD", "/v2/auth/manifests/v1", ex -> FakeRegistry.send(ex, 401, new byte[0]));
        fails(ErrorKind.UNAUTHENTICATED, () -> client.resolve(ref("auth:v1"), plain()));
    }

    @Test
    void aHangingRegistryFailsAfterTheStallTimeout() {
        fake.on("HEAD", "/v2/a/manifests/v1", ex -> fake.hang());
        long start = System.nanoTime();
        ContainerjException e = fails(ErrorKind.DEADLINE_EXCEEDED, () -> client.resolve(ref("a:v1"), plain()));
        long ms = (System.nanoTime() - start) / 1_000_000;
        assertTrue(ms >= STALL.toMillis() && ms < STALL.toMillis() + 5000, "failed after " + ms + " ms");
        assertTrue(e.getMessage().contains("stalled"), e::getMessage);
        // a per-request stall timeout overrides the configured one
        long start2 = System.nanoTime();
        fails(ErrorKind.DEADLINE_EXCEEDED,
                () -> client.resolve(ref("a:v1"), plain().withStallTimeout(Duration.ofMillis(100))));
        assertTrue((System.nanoTime() - start2) / 1_000_000 < STALL.toMillis(), "the request's own timeout");
    }

    @Test
    void aStallInTheBodyFailsNamingTheBlob() throws IOException {
        byte[] data = bytes(20_000);
        Descriptor d = blob(data);
        fake.on("GET", "/v2/a/blobs/" + d.digest(), ex -> {
            ex.sendResponseHeaders(200, data.length);
            OutputStream out = ex.getResponseBody();
            out.write(data, 0, 5000);
            out.flush();
            fake.hang();
        });
        try (InputStream in = client.fetcher(ref("a:v1"), plain()).fetch(d)) {
            byte[] head = in.readNBytes(5000);
            assertEquals(5000, head.length);
            ContainerjException e = fails(ErrorKind.DEADLINE_EXCEEDED, in::read);
            assertTrue(e.getMessage().contains(d.digest().toString()), e::getMessage);
        }
    }

    @Test
    void aSlowReaderIsNoStall() throws Exception {
        byte[] data = bytes(10_000);
        Descriptor d = blob(data);
        fake.on("GET", "/v2/a/blobs/" + d.digest(), blobRoute(data, false, null));
        try (InputStream in = client.fetcher(ref("a:v1"), plain()).fetch(d)) {
            assertEquals(100, in.readNBytes(100).length);
            // the consumer does not read for longer than the stall timeout: not the registry's fault
            Thread.sleep(STALL.toMillis() + 500);
            assertEquals(data.length - 100, in.readAllBytes().length);
        }
    }

    @Test
    void shortAndLongBodiesAreDataLoss() throws IOException {
        byte[] data = bytes(10_000);
        Descriptor d = blob(data);
        // the registry says fewer bytes than the descriptor
        fake.on("GET", "/v2/short/blobs/" + d.digest(), ex -> FakeRegistry.send(ex, 200,
                Arrays.copyOf(data, 9000)));
        fails(ErrorKind.DATA_LOSS, () -> client.fetcher(ref("short:v1"), plain()).fetch(d));
        // the connection ends before the promised length
        fake.on("GET", "/v2/cut/blobs/" + d.digest(), ex -> {
            ex.sendResponseHeaders(200, data.length);
            OutputStream out = ex.getResponseBody();
            out.write(data, 0, 4000);
            out.flush();
            throw new IOException("cut");
        });
        try (InputStream in = client.fetcher(ref("cut:v1"), plain()).fetch(d)) {
            ContainerjException e = fails(ErrorKind.DATA_LOSS, () -> readAll(in));
            assertTrue(e.getMessage().contains("short read"), e::getMessage);
        }
        // chunked bodies, too short and too long
        fake.on("GET", "/v2/chunked-short/blobs/" + d.digest(), ex -> {
            ex.sendResponseHeaders(200, 0);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(data, 0, 100);
            }
        });
        fails(ErrorKind.DATA_LOSS, () -> readAll(client.fetcher(ref("chunked-short:v1"), plain()).fetch(d)));
        fake.on("GET", "/v2/chunked-long/blobs/" + d.digest(), ex -> {
            ex.sendResponseHeaders(200, 0);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(data);
                out.write(1);
            }
        });
        fails(ErrorKind.DATA_LOSS, () -> readAll(client.fetcher(ref("chunked-long:v1"), plain()).fetch(d)));
        fake.on("GET", "/v2/long/blobs/" + d.digest(), ex -> FakeRegistry.send(ex, 200, Arrays.copyOf(data, 10_001)));
        fails(ErrorKind.DATA_LOSS, () -> client.fetcher(ref("long:v1"), plain()).fetch(d));
    }

    // ---- ranges

    @Test
    void largeBlobsInParallelRanges() throws IOException {
        byte[] data = bytes(300_001);
        Descriptor d = blob(data);
        AtomicInteger ranges = new AtomicInteger();
        fake.on("GET", "/v2/a/blobs/" + d.digest(), blobRoute(data, true, ranges));
        assertArrayEquals(data, readAll(client.fetcher(ref("a:v1"), plain()).fetch(d)));
        assertEquals((data.length + (16 << 10) - 1) / (16 << 10), ranges.get(), "one request per 16 KiB range");
        ranges.set(0);
        assertArrayEquals(Arrays.copyOfRange(data, 100_000, data.length),
                readAll(client.fetcher(ref("a:v1"), plain()).fetch(d, 100_000)));
        // below the threshold: one request, from the offset
        byte[] tail = readAll(client.fetcher(ref("a:v1"), plain()).fetch(d, data.length - 1000));
        assertArrayEquals(Arrays.copyOfRange(data, data.length - 1000, data.length), tail);
        List<FakeRegistry.Recorded> gets = fake.requests("GET", "/v2/a/blobs/" + d.digest());
        assertEquals("bytes=" + (data.length - 1000) + "-", gets.get(gets.size() - 1).header("Range"));
    }

    @Test
    void aRegistryWithoutRangesGivesOneStreamAndTheOffsetIsSkipped() throws IOException {
        byte[] data = bytes(200_000);
        Descriptor d = blob(data);
        fake.on("GET", "/v2/a/blobs/" + d.digest(), blobRoute(data, false, null));
        assertArrayEquals(data, readAll(client.fetcher(ref("a:v1"), plain()).fetch(d)));
        assertArrayEquals(Arrays.copyOfRange(data, 150_000, data.length),
                readAll(client.fetcher(ref("a:v1"), plain()).fetch(d, 150_000)));
        assertEquals(2, fake.requests("GET", "/v2/a/blobs/" + d.digest()).size());
    }

    @Test
    void aRangeThatFailsFailsTheStream() throws IOException {
        byte[] data = bytes(200_000);
        Descriptor d = blob(data);
        FakeRegistry.Handler good = blobRoute(data, true, null);
        fake.on("GET", "/v2/a/blobs/" + d.digest(), ex -> {
            String range = ex.getRequestHeaders().getFirst("Range");
            if (range != null && range.startsWith("bytes=" + (5 * (16 << 10)) + "-")) {
                FakeRegistry.send(ex, 404, new byte[0]);
            } else {
                good.handle(ex);
            }
        });
        try (InputStream in = client.fetcher(ref("a:v1"), plain()).fetch(d)) {
            assertEquals(5 * (16 << 10), in.readNBytes(5 * (16 << 10)).length);
            fails(ErrorKind.NOT_FOUND, in::read);
        }
    }

    @Test
    void followsRedirectsWithoutCredentialsToAnotherHost() throws IOException {
        byte[] data = bytes(5000);
        Descriptor d = blob(data);
        try (FakeRegistry storage = new FakeRegistry()) {
            storage.on("GET", "/store/blob", blobRoute(data, false, null));
            fake.on("GET", "/v2/a/blobs/" + d.digest(), ex -> {
                String auth = ex.getRequestHeaders().getFirst("Authorization");
                if (auth == null) {
                    ex.getResponseHeaders().set("WWW-Authenticate", "Basic realm=\"r\"");
                    FakeRegistry.send(ex, 401, new byte[0]);
                    return;
                }
                ex.getResponseHeaders().set("Location", "http://" + storage.host() + "/store/blob?sig=1");
                FakeRegistry.send(ex, 307, new byte[0]);
            });
            assertArrayEquals(data, readAll(client.fetcher(ref("a:v1"), plain("u", "p")).fetch(d)));
            FakeRegistry.Recorded got = storage.requests("GET", "/store/blob").get(0);
            assertEquals("sig=1", got.query());
            assertNull(got.header("Authorization"), "credentials stay with the registry");
        }
    }

    @Test
    void foreignLayersComeFromTheirUrlsFirst() throws IOException {
        byte[] data = bytes(4000);
        Descriptor plain = blob(data);
        try (FakeRegistry elsewhere = new FakeRegistry()) {
            elsewhere.on("GET", "/layers/x.tar", blobRoute(data, false, null));
            Descriptor foreign = new Descriptor("application/vnd.docker.image.rootfs.foreign.diff.tar.gzip",
                    plain.digest(), plain.size(), Map.of(), List.of("ftp://nowhere/x", "http://" + elsewhere.host()
                            + "/missing", "http://" + elsewhere.host() + "/layers/x.tar?token=1"));
            assertArrayEquals(data, readAll(client.fetcher(ref("a:v1"), plain("u", "p")).fetch(foreign)));
            FakeRegistry.Recorded got = elsewhere.requests("GET", "/layers/x.tar").get(0);
            assertEquals("token=1", got.query());
            assertNull(got.header("Authorization"));
            assertTrue(fake.requests.isEmpty(), "the registry was not asked");

            // none of the URLs has it: the registry does
            fake.on("GET", "/v2/a/blobs/" + plain.digest(), blobRoute(data, false, null));
            Descriptor gone = new Descriptor(foreign.mediaType(), plain.digest(), plain.size(), Map.of(),
                    List.of("http://" + elsewhere.host() + "/missing"));
            assertArrayEquals(data, readAll(client.fetcher(ref("a:v1"), plain()).fetch(gone)));
        }
    }

    // ---- auth

    /** A token server at /token and a registry that wants its tokens. */
    private final List<Map<String, String>> tokenRequests = new ArrayList<>();

    private void tokenServer(Function<Map<String, String>, Integer> status, String field, int expiresIn) {
        FakeRegistry.Handler token = ex -> {
            Map<String, String> params = new HashMap<>();
            String query = ex.getRequestMethod().equals("POST")
                    ? new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8)
                    : ex.getRequestURI().getRawQuery();
            if (query != null) {
                for (String kv : query.split("&")) {
                    int eq = kv.indexOf('=');
                    String k = URLDecoder.decode(kv.substring(0, eq), StandardCharsets.UTF_8);
                    String v = URLDecoder.decode(kv.substring(eq + 1), StandardCharsets.UTF_8);
                    params.merge(k, v, (a, b) -> a + " " + b);
                }
            }
            params.put("method", ex.getRequestMethod());
            String auth = ex.getRequestHeaders().getFirst("Authorization");
            if (auth != null) {
                params.put("authorization", auth);
            }
            synchronized (tokenRequests) {
                tokenRequests.add(params);
            }
            int s = status.apply(params);
            if (s != 200) {
                FakeRegistry.send(ex, s, new byte[0]);
                return;
            }
            String t = "tok-" + tokenRequests.size();
            ex.getResponseHeaders().set("Content-Type", "application/json");
            FakeRegistry.send(ex, 200, ("{\"" + field + "\":\"" + t + "\",\"expires_in\":" + expiresIn + "}")
                    .getBytes(StandardCharsets.UTF_8));
        };
        fake.on("GET", "/token", token);
        fake.on("POST", "/token", token);
    }

    private void protectedManifest(String repo, byte[] m) {
        fake.on("HEAD", "/v2/" + repo + "/manifests/v1", ex -> {
            String auth = ex.getRequestHeaders().getFirst("Authorization");
            if (auth == null || !auth.startsWith("Bearer tok-")) {
                ex.getResponseHeaders().set("WWW-Authenticate", "Bearer realm=\"http://" + fake.host()
                        + "/token\",service=\"fake\",scope=\"repository:" + repo + ":pull\"");
                FakeRegistry.send(ex, 401, new byte[0]);
                return;
            }
            manifestRoute(m, MediaTypes.OCI_MANIFEST, true).handle(ex);
        });
    }

    @Test
    void anonymousTokenIsFetchedOnceAndCachedUntilItExpires() {
        byte[] m = "{}".getBytes(StandardCharsets.UTF_8);
        protectedManifest("lib/app", m);
        tokenServer(p -> 200, "token", 300);
        client.resolve(ref("lib/app:v1"), plain());
        client.resolve(ref("lib/app:v1"), plain());
        assertEquals(1, tokenRequests.size(), tokenRequests::toString);
        Map<String, String> t = tokenRequests.get(0);
        assertEquals("GET", t.get("method"));
        assertEquals("fake", t.get("service"));
        assertEquals("repository:lib/app:pull", t.get("scope"));
        assertNull(t.get("authorization"));
        // 2 requests after the first 401: the second resolve sent its token at once
        assertEquals(3, fake.requests("HEAD", "/v2/lib/app/manifests/v1").size());

        clock.now = clock.now.plusSeconds(301);
        client.resolve(ref("lib/app:v1"), plain());
        assertEquals(2, tokenRequests.size(), "a new token once the old one expired");
    }

    @Test
    void tokensAreNotSharedBetweenCredentials() {
        protectedManifest("lib/app", "{}".getBytes(StandardCharsets.UTF_8));
        tokenServer(p -> 200, "access_token", 300);
        client.resolve(ref("lib/app:v1"), plain());
        client.resolve(ref("lib/app:v1"), plain("alice", "secret"));
        assertEquals(2, tokenRequests.size());
        Map<String, String> post = tokenRequests.get(1);
        assertEquals("POST", post.get("method"));
        assertEquals("password", post.get("grant_type"));
        assertEquals("alice", post.get("username"));
        assertEquals("secret", post.get("password"));
        assertEquals(TokenFetcher.CLIENT_ID, post.get("client_id"));
        assertEquals("repository:lib/app:pull", post.get("scope"));
    }

    @Test
    void identityTokensAreRefreshTokenGrants() {
        protectedManifest("lib/app", "{}".getBytes(StandardCharsets.UTF_8));
        tokenServer(p -> 200, "access_token", 300);
        client.resolve(ref("lib/app:v1"), plain("", "identity-xyz"));
        Map<String, String> post = tokenRequests.get(0);
        assertEquals("POST", post.get("method"));
        assertEquals("refresh_token", post.get("grant_type"));
        assertEquals("identity-xyz", post.get("refresh_token"));
    }

    @Test
    void withoutOAuthPostTheTokenIsFetchedByGetWithBasicAuth() {
        protectedManifest("lib/app", "{}".getBytes(StandardCharsets.UTF_8));
        tokenServer(p -> p.get("method").equals("POST") ? 404 : 200, "token", 300);
        client.resolve(ref("lib/app:v1"), plain("bob", "pw"));
        assertEquals(List.of("POST", "GET"), tokenRequests.stream().map(p -> p.get("method")).toList());
        assertEquals("Basic " + Base64.getEncoder().encodeToString("bob:pw".getBytes(StandardCharsets.UTF_8)),
                tokenRequests.get(1).get("authorization"));
    }

    @Test
    void refusedCredentialsAndTokenServerErrors() {
        protectedManifest("lib/app", "{}".getBytes(StandardCharsets.UTF_8));
        tokenServer(p -> 401, "token", 300);
        fails(ErrorKind.UNAUTHENTICATED, () -> client.resolve(ref("lib/app:v1"), plain("bob", "wrong")));
        tokenServer(p -> 500, "token", 300);
        fails(ErrorKind.UNAVAILABLE, () -> client.resolve(ref("lib/app:v1"), plain()));
    }

    @Test
    void aTokenTheRegistryRefusesIsUnauthenticated() {
        fake.on("HEAD", "/v2/lib/app/manifests/v1", ex -> {
            ex.getResponseHeaders().set("WWW-Authenticate", "Bearer realm=\"http://" + fake.host()
                    + "/token\",service=\"fake\",scope=\"repository:lib/app:pull\",error=\"insufficient_scope\"");
            FakeRegistry.send(ex, 401, new byte[0]);
        });
        tokenServer(p -> 200, "token", 300);
        fails(ErrorKind.UNAUTHENTICATED, () -> client.resolve(ref("lib/app:v1"), plain()));
        assertEquals(2, fake.requests("HEAD", "/v2/lib/app/manifests/v1").size(), "one retry with a token");
    }

    @Test
    void aCachedTokenTheRegistryNoLongerTakesIsReplaced() {
        byte[] m = "{}".getBytes(StandardCharsets.UTF_8);
        // the registry takes only the newest token the token server gave out
        fake.on("HEAD", "/v2/lib/app/manifests/v1", ex -> {
            String auth = ex.getRequestHeaders().getFirst("Authorization");
            String newest = "Bearer tok-" + tokenRequests.size();
            if (!newest.equals(auth)) {
                ex.getResponseHeaders().set("WWW-Authenticate", "Bearer realm=\"http://" + fake.host()
                        + "/token\",service=\"fake\",scope=\"repository:lib/app:pull\""
                        + (auth == null ? "" : ",error=\"invalid_token\""));
                FakeRegistry.send(ex, 401, new byte[0]);
                return;
            }
            manifestRoute(m, MediaTypes.OCI_MANIFEST, true).handle(ex);
        });
        tokenServer(p -> 200, "token", 300);
        client.resolve(ref("lib/app:v1"), plain());
        synchronized (tokenRequests) {
            // the server forgets tok-1: the next token it gives out is the one it takes
            tokenRequests.add(Map.of("method", "revoked"));
        }
        client.resolve(ref("lib/app:v1"), plain());
        assertEquals(3, tokenRequests.size(), "a new token after the cached one was refused");
    }

    @Test
    void basicAuthWhenAskedForAndCredentialsAreThere() {
        byte[] m = "{}".getBytes(StandardCharsets.UTF_8);
        String expected = "Basic " + Base64.getEncoder().encodeToString("u:p".getBytes(StandardCharsets.UTF_8));
        fake.on("HEAD", "/v2/a/manifests/v1", ex -> {
            if (!expected.equals(ex.getRequestHeaders().getFirst("Authorization"))) {
                ex.getResponseHeaders().set("WWW-Authenticate", "Basic realm=\"fake\"");
                FakeRegistry.send(ex, 401, new byte[0]);
                return;
            }
            manifestRoute(m, MediaTypes.OCI_MANIFEST, true).handle(ex);
        });
        fails(ErrorKind.UNAUTHENTICATED, () -> client.resolve(ref("a:v1"), plain()));
        assertEquals(2, client.resolve(ref("a:v1"), plain("u", "p")).descriptor().size());
        fails(ErrorKind.UNAUTHENTICATED, () -> client.resolve(ref("a:v1"), plain("u", "wrong")));
    }

    // ---- push

    @Test
    void mountsWhenTheRegistryAllowsOtherwiseUploads() throws IOException {
        byte[] data = bytes(3000);
        Descriptor d = blob(data);
        List<byte[]> uploaded = new ArrayList<>();
        fake.on("POST", "/v2/dst/blobs/uploads/", ex -> {
            String q = ex.getRequestURI().getRawQuery();
            if (q != null && q.contains("from=allowed")) {
                ex.getResponseHeaders().set("Docker-Content-Digest", d.digest().toString());
                FakeRegistry.send(ex, 201, new byte[0]);
                return;
            }
            ex.getResponseHeaders().set("Location", "/v2/dst/blobs/uploads/u1?_state=abc");
            FakeRegistry.send(ex, 202, new byte[0]);
        });
        fake.on("PUT", "/v2/dst/blobs/uploads/u1", ex -> {
            uploaded.add(ex.getRequestBody().readAllBytes());
            ex.getResponseHeaders().set("Docker-Content-Digest", d.digest().toString());
            FakeRegistry.send(ex, 201, new byte[0]);
        });
        var pusher = client.pusher(ref("dst:v1"), plain());
        assertTrue(pusher.pushBlob(d, () -> {
            throw new AssertionError("not read");
        }, "allowed/src"));
        assertFalse(pusher.pushBlob(d, () -> new ByteArrayInputStream(data), "other/src"));
        assertFalse(pusher.pushBlob(d, () -> new ByteArrayInputStream(data), null));
        assertEquals(2, uploaded.size());
        assertArrayEquals(data, uploaded.get(0));
        List<FakeRegistry.Recorded> puts = fake.requests("PUT", "/v2/dst/blobs/uploads/u1");
        assertEquals("_state=abc&digest=" + d.digest().toString().replace(":", "%3A"), puts.get(0).query());
        assertEquals("application/octet-stream", puts.get(0).header("Content-Type"));
        assertEquals(String.valueOf(data.length), puts.get(0).header("Content-Length"));
        List<FakeRegistry.Recorded> posts = fake.requests("POST", "/v2/dst/blobs/uploads/");
        assertEquals("mount=" + d.digest().toString().replace(":", "%3A") + "&from=allowed%2Fsrc", posts.get(0).query());
    }

    @Test
    void uploadsCheckTheDigestAndTheSize() {
        byte[] data = bytes(3000);
        Descriptor d = blob(data);
        fake.on("POST", "/v2/dst/blobs/uploads/", ex -> {
            ex.getResponseHeaders().set("Location", "http://" + fake.host() + "/v2/dst/blobs/uploads/u2");
            FakeRegistry.send(ex, 202, new byte[0]);
        });
        fake.on("PUT", "/v2/dst/blobs/uploads/u2", ex -> {
            ex.getRequestBody().readAllBytes();
            ex.getResponseHeaders().set("Docker-Content-Digest", "sha256:" + "0".repeat(64));
            FakeRegistry.send(ex, 201, new byte[0]);
        });
        var pusher = client.pusher(ref("dst:v1"), plain());
        fails(ErrorKind.DATA_LOSS, () -> pusher.pushBlob(d, () -> new ByteArrayInputStream(data), null));
        fails(ErrorKind.DATA_LOSS, () -> pusher.pushBlob(d, () -> new ByteArrayInputStream(data, 0, 100), null));
        fails(ErrorKind.DATA_LOSS, () -> pusher.pushBlob(d, () -> new ByteArrayInputStream(bytes(3001)), null));
    }

    @Test
    void anUploadTheRegistryStopsReadingStalls() {
        long size = 256L << 20;
        Descriptor d = new Descriptor(DockerRegistryTest.LAYER_TYPE,
                org.containerj.api.content.Digest.parse("sha256:" + "1".repeat(64)), size);
        fake.on("POST", "/v2/dst/blobs/uploads/", ex -> {
            ex.getResponseHeaders().set("Location", "/v2/dst/blobs/uploads/u3");
            FakeRegistry.send(ex, 202, new byte[0]);
        });
        fake.on("PUT", "/v2/dst/blobs/uploads/u3", ex -> fake.hang());
        // zeros made as they are read: nothing of this size is held in memory
        InputStream zeros = new InputStream() {
            long left = size;

            @Override
            public int read() {
                return left-- > 0 ? 0 : -1;
            }

            @Override
            public int read(byte[] b, int off, int len) {
                if (left <= 0) {
                    return -1;
                }
                int n = (int) Math.min(len, left);
                Arrays.fill(b, off, off + n, (byte) 0);
                left -= n;
                return n;
            }
        };
        ContainerjException e = fails(ErrorKind.DEADLINE_EXCEEDED,
                () -> client.pusher(ref("dst:v1"), plain()).pushBlob(d, () -> zeros, null));
        assertTrue(e.getMessage().contains("PUT") && e.getMessage().contains(d.digest().toString()), e::getMessage);
    }

    @Test
    void pushesManifestsWithTheirMediaType() {
        byte[] m = "{\"schemaVersion\":2}".getBytes(StandardCharsets.UTF_8);
        Descriptor d = DockerRegistryTest.descriptor(MediaTypes.OCI_INDEX, m);
        List<String> types = new ArrayList<>();
        fake.on("PUT", "/v2/dst/manifests/v1", ex -> {
            types.add(ex.getRequestHeaders().getFirst("Content-Type"));
            assertArrayEquals(m, ex.getRequestBody().readAllBytes());
            ex.getResponseHeaders().set("Docker-Content-Digest", d.digest().toString());
            FakeRegistry.send(ex, 201, new byte[0]);
        });
        var pusher = client.pusher(ref("dst:v1"), plain());
        pusher.pushManifest(d, m, "v1");
        assertEquals(List.of(MediaTypes.OCI_INDEX), types);
        fails(ErrorKind.INVALID_ARGUMENT, () -> pusher.pushManifest(d, "{}".getBytes(), "v1"));
        fails(ErrorKind.INVALID_ARGUMENT, () -> pusher.pushManifest(d, m, "../v1"));
        fails(ErrorKind.NOT_FOUND, () -> pusher.pushManifest(d, m, d.digest().toString()));
    }

    // ---- hosts.toml

    @Test
    void mirrorsAreTriedInOrderWithTheNamespace() throws IOException {
        byte[] data = bytes(1000);
        Descriptor d = blob(data);
        try (FakeRegistry mirror = new FakeRegistry()) {
            mirror.on("GET", "/v2/lib/app/blobs/" + d.digest(), blobRoute(data, false, null));
            Path dir = Files.createDirectories(hostsDir.resolve("upstream.example"));
            Files.writeString(dir.resolve("hosts.toml"), """
                    server = "http://%s"
                    [host."http://%s"]
                      capabilities = ["pull"]
                      header = { X-Mirror = "yes" }
                    """.formatted(fake.host(), mirror.host()));
            ImageReference r = client.parse("upstream.example/lib/app:v1");
            assertArrayEquals(data, readAll(client.fetcher(r, RemoteOptions.DEFAULT).fetch(d)));
            FakeRegistry.Recorded got = mirror.requests("GET", "/v2/lib/app/blobs/" + d.digest()).get(0);
            assertEquals("ns=upstream.example", got.query());
            assertEquals("yes", got.header("X-Mirror"));
            assertTrue(fake.requests.isEmpty(), "the mirror had it");

            // a pull-only mirror is not asked to resolve tags
            fake.on("HEAD", "/v2/lib/app/manifests/v1", manifestRoute("{}".getBytes(), MediaTypes.OCI_MANIFEST, true));
            client.resolve(r, RemoteOptions.DEFAULT);
            assertTrue(mirror.requests("HEAD", "/v2/lib/app/manifests/v1").isEmpty());
            // the server is not upstream.example either: it is told too
            assertEquals("ns=upstream.example", fake.requests("HEAD", "/v2/lib/app/manifests/v1").get(0).query());

            // the mirror does not have it: the server is asked next
            byte[] other = bytes(2000);
            Descriptor o = blob(other);
            fake.on("GET", "/v2/lib/app/blobs/" + o.digest(), blobRoute(other, false, null));
            assertArrayEquals(other, readAll(client.fetcher(r, RemoteOptions.DEFAULT).fetch(o)));
        }
    }

    @Test
    void aPerRequestHostsDirectoryAndHeaders() throws IOException {
        Path other = Files.createDirectories(hostsDir.resolve("elsewhere/x.example"));
        Files.writeString(other.resolve("hosts.toml"), "server = \"http://" + fake.host() + "\"\n");
        fake.on("HEAD", "/v2/a/manifests/v1", manifestRoute("{}".getBytes(), MediaTypes.OCI_MANIFEST, true));
        RemoteOptions o = new RemoteOptions(null, false, false, null, hostsDir.resolve("elsewhere").toString(),
                Map.of("X-Request", List.of("1")));
        client.resolve(client.parse("x.example/a:v1"), o);
        assertEquals("1", fake.requests("HEAD", "/v2/a/manifests/v1").get(0).header("X-Request"));
    }

    @Test
    void connectionRefusedIsUnavailable() throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            port = s.getLocalPort();
        }
        int closed = port;
        ContainerjException e = fails(ErrorKind.UNAVAILABLE,
                () -> client.resolve(client.parse("127.0.0.1:" + closed + "/a:v1"), plain()));
        assertTrue(e.getMessage().contains("connection refused"), e::getMessage);
    }
}
