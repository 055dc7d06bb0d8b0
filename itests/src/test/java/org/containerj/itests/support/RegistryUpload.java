package org.containerj.itests.support;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.Proxy;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Puts blobs and manifests straight into a registry on 127.0.0.1 over the distribution
 * API (monolithic upload: POST, then PUT with the digest), for images too large to go
 * through ctr's import and push in a test.
 */
public final class RegistryUpload {
    private RegistryUpload() {
    }

    public static void blob(String host, String repository, String digest, Path file) throws IOException {
        HttpURLConnection post = open("http://" + host + "/v2/" + repository + "/blobs/uploads/", "POST");
        post.setFixedLengthStreamingMode(0);
        post.setDoOutput(true);
        post.getOutputStream().close();
        expect(post, 202);
        String location = post.getHeaderField("Location");
        post.disconnect();
        URI upload = URI.create("http://" + host + "/").resolve(location);
        String sep = upload.toString().contains("?") ? "&" : "?";
        HttpURLConnection put = open(upload + sep + "digest=" + digest, "PUT");
        put.setDoOutput(true);
        put.setFixedLengthStreamingMode(Files.size(file));
        put.setRequestProperty("Content-Type", "application/octet-stream");
        try (OutputStream out = put.getOutputStream(); InputStream in = Files.newInputStream(file)) {
            in.transferTo(out);
        }
        expect(put, 201);
        put.disconnect();
    }

    public static void manifest(String host, String repository, String tag, String mediaType, byte[] body)
            throws IOException {
        HttpURLConnection put = open("http://" + host + "/v2/" + repository + "/manifests/" + tag, "PUT");
        put.setDoOutput(true);
        put.setFixedLengthStreamingMode(body.length);
        put.setRequestProperty("Content-Type", mediaType);
        try (OutputStream out = put.getOutputStream()) {
            out.write(body);
        }
        expect(put, 201);
        put.disconnect();
    }

    private static HttpURLConnection open(String url, String method) throws IOException {
        HttpURLConnection c = (HttpURLConnection) URI.create(url).toURL().openConnection(Proxy.NO_PROXY);
        c.setRequestMethod(method);
        c.setConnectTimeout(5000);
        c.setReadTimeout(60000);
        return c;
    }

    private static void expect(HttpURLConnection c, int status) throws IOException {
        int code = c.getResponseCode();
        if (code != status) {
            InputStream err = c.getErrorStream();
            String body = err == null ? "" : new String(err.readAllBytes());
            throw new IOException(c.getRequestMethod() + " " + c.getURL() + ": HTTP " + code + " " + body);
        }
    }
}
