package org.containerj.itests.support;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.function.Supplier;

/**
 * Puts test images into the {@link Registry} over the OCI distribution API, without
 * containerj or ctr in the way: so a pull test starts from a registry that the system under
 * test did not fill. Monolithic blob uploads (POST, then PUT with the digest), manifests by
 * tag; blobs the registry already has are not sent again. Talks only to 127.0.0.1.
 */
public final class RegistryClient {
    private static final Duration TIMEOUT = Duration.ofMinutes(5);

    private final String host;
    private final Supplier<String> log;
    private final HttpClient http;

    public RegistryClient(Registry registry) {
        this(registry.host(), registry::log);
    }

    /** A client of the registry at {@code host} ({@code 127.0.0.1:PORT}); {@code log} adds to failure messages. */
    public RegistryClient(String host, Supplier<String> log) {
        if (!host.startsWith("127.0.0.1:")) {
            throw new IllegalArgumentException("the tests talk only to 127.0.0.1: " + host);
        }
        this.host = host;
        this.log = log;
        this.http = HttpClient.newBuilder()
                .proxy(HttpClient.Builder.NO_PROXY)
                .connectTimeout(Duration.ofSeconds(5))
                .version(HttpClient.Version.HTTP_1_1)
                .build();
    }

    private URI uri(String path) {
        return URI.create("http://" + host + path);
    }

    /** Uploads a blob held in memory, unless the repository has it already. */
    public void putBlob(String repo, String digest, byte[] data) {
        putBlob(repo, digest, data.length, () -> new java.io.ByteArrayInputStream(data));
    }

    /** Uploads {@code size} bytes read from a fresh stream, unless the repository has the blob already. */
    public void putBlob(String repo, String digest, long size, Supplier<InputStream> data) {
        if (has("/v2/" + repo + "/blobs/" + digest)) {
            return;
        }
        HttpResponse<String> started = send(HttpRequest.newBuilder(uri("/v2/" + repo + "/blobs/uploads/"))
                .timeout(TIMEOUT).POST(HttpRequest.BodyPublishers.noBody()).build());
        expect(started, 202, "start an upload of " + digest + " to " + repo);
        String location = started.headers().firstValue("Location")
                .orElseThrow(() -> new AssertionError("upload without a Location: " + started.headers()));
        URI target = URI.create(location).isAbsolute() ? URI.create(location) : uri(location);
        String sep = target.toString().contains("?") ? "&" : "?";
        HttpResponse<String> put = send(HttpRequest.newBuilder(URI.create(target + sep + "digest=" + digest))
                .timeout(TIMEOUT)
                .header("Content-Type", "application/octet-stream")
                .PUT(HttpRequest.BodyPublishers.fromPublisher(HttpRequest.BodyPublishers.ofInputStream(data), size))
                .build());
        expect(put, 201, "upload " + digest + " (" + size + " bytes) to " + repo);
    }

    /** Puts a manifest or index under {@code reference} (a tag or its digest). */
    public void putManifest(String repo, String reference, String mediaType, byte[] manifest) {
        HttpResponse<String> put = send(HttpRequest.newBuilder(uri("/v2/" + repo + "/manifests/" + reference))
                .timeout(TIMEOUT)
                .header("Content-Type", mediaType)
                .PUT(HttpRequest.BodyPublishers.ofByteArray(manifest))
                .build());
        expect(put, 201, "put the manifest " + repo + ":" + reference);
    }

    /** True when {@code HEAD path} answers 200. */
    public boolean has(String path) {
        try {
            return http.send(HttpRequest.newBuilder(uri(path)).timeout(TIMEOUT)
                    .method("HEAD", HttpRequest.BodyPublishers.noBody()).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    private HttpResponse<String> send(HttpRequest request) {
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(request.method() + " " + request.uri(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    private void expect(HttpResponse<String> response, int status, String what) {
        if (response.statusCode() != status) {
            throw new AssertionError("cannot " + what + ": HTTP " + response.statusCode() + " " + response.body()
                    + "\n" + log.get());
        }
    }
}
