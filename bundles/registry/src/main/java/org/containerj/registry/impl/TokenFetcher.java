package org.containerj.registry.impl;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.gson.JsonParseException;

import org.containerj.api.errdefs.ContainerjException;
import org.containerj.api.errdefs.ErrorKind;
import org.containerj.api.remotes.RegistryCredentials;

/**
 * Gets bearer tokens from a token server, as containerd does: with a secret, the OAuth2
 * POST form ({@code grant_type=password} with a user name, {@code refresh_token} for an
 * identity token), falling back to GET with basic auth where the server does not take
 * the POST (404, 401, 400, or 405 with a user name); without one, an anonymous GET.
 * A GET answer's token is {@code token} or {@code access_token}; a POST answer's is
 * {@code access_token}. Each exchange is bounded by the transport's timeout.
 */
class TokenFetcher {
    static final String CLIENT_ID = "containerj-client";
    private static final int MAX_RESPONSE = 1 << 20;

    /** The HTTP client of the endpoint (its TLS settings), a bound, and extra headers. */
    record Transport(HttpClient client, Duration timeout, Map<String, List<String>> headers, String userAgent) {
    }

    record Result(String token, long expiresIn) {
    }

    Result fetch(Transport t, String realm, String service, List<String> scopes, RegistryCredentials credentials) {
        URI realmUri = realm(realm);
        if (!credentials.secret().isEmpty()) {
            Response r = post(t, realmUri, service, scopes, credentials);
            if (r.status >= 200 && r.status < 400) {
                return parse(r, realm, "access_token", null);
            }
            boolean fallback = r.status == 404 || r.status == 401 || r.status == 400
                    || (r.status == 405 && !credentials.username().isEmpty());
            if (!fallback) {
                throw statusError("failed to fetch oauth token", "POST", realm, r);
            }
        }
        Response r = get(t, realmUri, service, scopes, credentials);
        if (r.status < 200 || r.status >= 400) {
            throw statusError(credentials.secret().isEmpty() ? "failed to fetch anonymous token" : "failed to fetch token",
                    "GET", realm, r);
        }
        return parse(r, realm, "token", "access_token");
    }

    private static URI realm(String realm) {
        try {
            URI u = new URI(realm);
            if (u.getScheme() == null || !(u.getScheme().equals("http") || u.getScheme().equals("https"))
                    || u.getHost() == null) {
                throw new URISyntaxException(realm, "not an http(s) URL");
            }
            return u;
        } catch (URISyntaxException e) {
            throw new ContainerjException(ErrorKind.UNAUTHENTICATED, "invalid token auth challenge realm "
                    + ReferenceParser.quote(realm) + ": " + e.getMessage());
        }
    }

    private record Response(int status, byte[] body) {
    }

    private Response post(Transport t, URI realm, String service, List<String> scopes, RegistryCredentials c) {
        StringJoiner form = new StringJoiner("&");
        if (!scopes.isEmpty()) {
            form.add("scope=" + enc(String.join(" ", scopes)));
        }
        form.add("service=" + enc(service));
        form.add("client_id=" + enc(CLIENT_ID));
        if (c.username().isEmpty()) {
            form.add("grant_type=refresh_token");
            form.add("refresh_token=" + enc(c.secret()));
        } else {
            form.add("grant_type=password");
            form.add("username=" + enc(c.username()));
            form.add("password=" + enc(c.secret()));
        }
        HttpRequest.Builder b = HttpRequest.newBuilder(realm)
                .POST(HttpRequest.BodyPublishers.ofString(form.toString()))
                .header("Content-Type", "application/x-www-form-urlencoded; charset=utf-8");
        return send(t, b, realm);
    }

    private Response get(Transport t, URI realm, String service, List<String> scopes, RegistryCredentials c) {
        StringJoiner query = new StringJoiner("&");
        if (realm.getRawQuery() != null && !realm.getRawQuery().isEmpty()) {
            query.add(realm.getRawQuery());
        }
        if (!service.isEmpty()) {
            query.add("service=" + enc(service));
        }
        for (String s : scopes) {
            query.add("scope=" + enc(s));
        }
        String base = realm.toString();
        int q = base.indexOf('?');
        if (q >= 0) {
            base = base.substring(0, q);
        }
        URI uri = URI.create(query.length() == 0 ? base : base + "?" + query);
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).GET();
        if (!c.secret().isEmpty()) {
            b.header("Authorization", "Basic " + Base64.getEncoder().encodeToString(
                    (c.username() + ":" + c.secret()).getBytes(StandardCharsets.UTF_8)));
        }
        return send(t, b, uri);
    }

    private Response send(Transport t, HttpRequest.Builder b, URI uri) {
        t.headers().forEach((k, vs) -> vs.forEach(v -> RegistryHttp.addHeader(b, k, v)));
        b.setHeader("User-Agent", t.userAgent());
        b.timeout(t.timeout());
        CompletableFuture<HttpResponse<byte[]>> f = t.client().sendAsync(b.build(),
                HttpResponse.BodyHandlers.ofByteArray());
        try {
            HttpResponse<byte[]> r = f.get(t.timeout().toMillis(), TimeUnit.MILLISECONDS);
            return new Response(r.statusCode(), r.body());
        } catch (TimeoutException e) {
            f.cancel(true);
            throw new ContainerjException(ErrorKind.DEADLINE_EXCEEDED, "fetching a token from " + uri
                    + ": no answer within " + GoDuration.format(t.timeout()));
        } catch (InterruptedException e) {
            f.cancel(true);
            Thread.currentThread().interrupt();
            throw new ContainerjException(ErrorKind.CANCELED, "fetching a token from " + uri + ": interrupted");
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof IOException io) {
                throw RegistryErrors.connectionError("fetching a token from " + uri, io);
            }
            throw new ContainerjException(ErrorKind.UNAVAILABLE, "fetching a token from " + uri + ": " + cause, cause);
        }
    }

    private static Result parse(Response r, String realm, String field, String alternative) {
        if (r.body.length > MAX_RESPONSE) {
            throw new ContainerjException(ErrorKind.UNAUTHENTICATED, "token response from " + realm + " is too large");
        }
        JsonObject o;
        try {
            JsonElement e = JsonParser.parseString(new String(r.body, StandardCharsets.UTF_8));
            if (!e.isJsonObject()) {
                throw new JsonParseException("not an object");
            }
            o = e.getAsJsonObject();
        } catch (JsonParseException | IllegalStateException e) {
            throw new ContainerjException(ErrorKind.UNAUTHENTICATED, "unable to decode token response from " + realm
                    + ": " + e.getMessage());
        }
        String token = string(o, field);
        if (alternative != null) {
            String alt = string(o, alternative);
            if (!alt.isEmpty()) {
                token = alt;
            }
        }
        if (token.isEmpty()) {
            throw new ContainerjException(ErrorKind.UNAUTHENTICATED,
                    "authorization server did not include a token in the response (" + realm + ")");
        }
        long expiresIn = 0;
        JsonElement e = o.get("expires_in");
        if (e != null && e.isJsonPrimitive() && e.getAsJsonPrimitive().isNumber()) {
            expiresIn = Math.max(0, e.getAsLong());
        }
        return new Result(token, expiresIn);
    }

    private static String string(JsonObject o, String field) {
        JsonElement e = o.get(field);
        return e != null && e.isJsonPrimitive() && e.getAsJsonPrimitive().isString() ? e.getAsString() : "";
    }

    private static ContainerjException statusError(String what, String method, String realm, Response r) {
        ErrorKind kind = RegistryErrors.kindForStatus(r.status);
        String body = RegistryErrors.errorSummary(r.body);
        return new ContainerjException(kind, what + ": unexpected status from " + method + " request to " + realm + ": "
                + RegistryErrors.statusText(r.status) + (body.isEmpty() ? "" : ": " + body));
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
