package org.containerj.registry.impl;

import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpTimeoutException;
import java.nio.channels.ClosedChannelException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import javax.net.ssl.SSLException;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import org.containerj.api.errdefs.ContainerjException;
import org.containerj.api.errdefs.ErrorKind;

/**
 * Registry answers and failures as containerd error kinds: 404 NOT_FOUND, 401
 * UNAUTHENTICATED, 403 PERMISSION_DENIED, 429 RESOURCE_EXHAUSTED, 408 and stalls
 * DEADLINE_EXCEEDED, 5xx and connection failures UNAVAILABLE, anything else UNKNOWN
 * (containerd's "unexpected status"). Messages name what was asked for, the URL, the
 * status and the registry's own error codes (OCI distribution error bodies).
 */
final class RegistryErrors {
    private static final int MAX_ERROR_BODY = 64 * 1024;

    private RegistryErrors() {
    }

    static ErrorKind kindForStatus(int status) {
        if (status >= 500) {
            return ErrorKind.UNAVAILABLE;
        }
        return switch (status) {
            case 401 -> ErrorKind.UNAUTHENTICATED;
            case 403 -> ErrorKind.PERMISSION_DENIED;
            case 404 -> ErrorKind.NOT_FOUND;
            case 408 -> ErrorKind.DEADLINE_EXCEEDED;
            case 416 -> ErrorKind.OUT_OF_RANGE;
            case 429 -> ErrorKind.RESOURCE_EXHAUSTED;
            default -> ErrorKind.UNKNOWN;
        };
    }

    /** The error for a response with an unexpected status; reads (a bounded part of) and closes its body. */
    static ContainerjException forResponse(RegistryResponse r, String what) {
        String summary = "";
        try (InputStream in = r.body()) {
            summary = errorSummary(in.readNBytes(MAX_ERROR_BODY));
        } catch (IOException | RuntimeException e) {
            // the status says enough
        }
        String prefix = r.status() == 404 ? what + ": not found" : what;
        return new ContainerjException(kindForStatus(r.status()), prefix + ": " + r.method() + " " + r.uri()
                + ": unexpected status " + statusText(r.status()) + (summary.isEmpty() ? "" : ": " + summary));
    }

    /** {@code CODE: message} of each entry of an OCI error body; the text itself (shortened) when it is not one. */
    static String errorSummary(byte[] body) {
        if (body == null || body.length == 0) {
            return "";
        }
        String text = new String(body, StandardCharsets.UTF_8).trim();
        try {
            JsonElement e = JsonParser.parseString(text);
            if (e.isJsonObject() && e.getAsJsonObject().get("errors") instanceof JsonArray errors) {
                List<String> parts = new ArrayList<>();
                for (JsonElement item : errors) {
                    if (item.isJsonObject()) {
                        JsonObject o = item.getAsJsonObject();
                        String code = o.has("code") && o.get("code").isJsonPrimitive() ? o.get("code").getAsString() : "";
                        String msg = o.has("message") && o.get("message").isJsonPrimitive()
                                ? o.get("message").getAsString() : "";
                        parts.add(code.isEmpty() ? msg : msg.isEmpty() ? code : code + ": " + msg);
                    }
                }
                if (!parts.isEmpty()) {
                    return String.join("; ", parts);
                }
            }
        } catch (RuntimeException notJson) {
            // plain text
        }
        text = text.replaceAll("\\s+", " ");
        return text.length() > 200 ? text.substring(0, 200) + "..." : text;
    }

    /** A failure to talk to the endpoint at all. */
    static ContainerjException connectionError(String what, IOException e) {
        if (e instanceof HttpConnectTimeoutException) {
            return new ContainerjException(ErrorKind.UNAVAILABLE, what + ": connect timed out", e);
        }
        if (e instanceof HttpTimeoutException) {
            return new ContainerjException(ErrorKind.DEADLINE_EXCEEDED, what + ": " + e.getMessage(), e);
        }
        String reason;
        if (e instanceof ConnectException || e.getCause() instanceof ConnectException) {
            reason = "connection refused";
        } else if (e instanceof SSLException) {
            reason = "TLS: " + e.getMessage();
        } else if (e instanceof ClosedChannelException) {
            reason = "connection closed";
        } else {
            reason = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        }
        return new ContainerjException(ErrorKind.UNAVAILABLE, what + ": " + reason, e);
    }

    static String statusText(int status) {
        String reason = switch (status) {
            case 200 -> "OK";
            case 201 -> "Created";
            case 202 -> "Accepted";
            case 204 -> "No Content";
            case 206 -> "Partial Content";
            case 301 -> "Moved Permanently";
            case 302 -> "Found";
            case 307 -> "Temporary Redirect";
            case 400 -> "Bad Request";
            case 401 -> "Unauthorized";
            case 403 -> "Forbidden";
            case 404 -> "Not Found";
            case 405 -> "Method Not Allowed";
            case 408 -> "Request Timeout";
            case 409 -> "Conflict";
            case 416 -> "Requested Range Not Satisfiable";
            case 429 -> "Too Many Requests";
            case 500 -> "Internal Server Error";
            case 502 -> "Bad Gateway";
            case 503 -> "Service Unavailable";
            case 504 -> "Gateway Timeout";
            default -> "";
        };
        return reason.isEmpty() ? String.valueOf(status) : status + " " + reason;
    }
}
