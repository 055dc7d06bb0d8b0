package org.containerj.registry.impl;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpHeaders;
import java.util.List;

/**
 * An answer of a registry endpoint: its status and headers, and its body as a stream
 * guarded against stalls. The caller closes it (or hands the body on).
 */
final class RegistryResponse implements AutoCloseable {
    private final RegistryHost host;
    private final String method;
    private final URI uri;
    private final int status;
    private final HttpHeaders headers;
    private final InputStream body;

    RegistryResponse(RegistryHost host, String method, URI uri, int status, HttpHeaders headers, InputStream body) {
        this.host = host;
        this.method = method;
        this.uri = uri;
        this.status = status;
        this.headers = headers;
        this.body = body;
    }

    RegistryHost host() {
        return host;
    }

    String method() {
        return method;
    }

    URI uri() {
        return uri;
    }

    int status() {
        return status;
    }

    boolean ok() {
        return status >= 200 && status < 300;
    }

    /** The first value of a header; null when absent. */
    String header(String name) {
        return headers.firstValue(name).orElse(null);
    }

    List<String> headers(String name) {
        return headers.allValues(name);
    }

    /** Content-Length; -1 when absent or not a number. */
    long contentLength() {
        String v = header("Content-Length");
        if (v == null) {
            return -1;
        }
        try {
            long n = Long.parseLong(v.trim());
            return n < 0 ? -1 : n;
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** The media type of Content-Type without parameters; empty when absent. */
    String mediaType() {
        String ct = header("Content-Type");
        if (ct == null) {
            return "";
        }
        int semi = ct.indexOf(';');
        return (semi >= 0 ? ct.substring(0, semi) : ct).trim();
    }

    InputStream body() {
        return body;
    }

    @Override
    public void close() {
        try {
            body.close();
        } catch (IOException | RuntimeException e) {
            // nothing more to read from it
        }
    }

    @Override
    public String toString() {
        return method + " " + uri + " -> " + status;
    }
}
