package org.containerj.registry.impl;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.Signature;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * A token server for the distribution registry's token auth, on 127.0.0.1: an RSA key
 * with a self-signed certificate (the registry's {@code rootcertbundle}), and JWTs signed
 * with it (RS256) whose header carries the certificate as {@code x5c}, which is how the
 * registry (2.8) finds the signing key. Grants pull to everyone and push only to
 * {@code user}/{@code password}; answers GET (basic auth) and the OAuth2 POST form.
 */
final class TokenServer implements AutoCloseable {
    static final String SERVICE = "test-registry";
    static final String ISSUER = "test-issuer";
    private static final Gson GSON = new GsonBuilder().disableHtmlEscaping().create();

    final String user;
    final String password;
    final List<String> requests = new CopyOnWriteArrayList<>();
    private final KeyPair key;
    private final byte[] certificate;
    private final HttpServer server;
    private final ExecutorService executor = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "token-server");
        t.setDaemon(true);
        return t;
    });

    TokenServer(String user, String password) throws IOException, GeneralSecurityException {
        this.user = user;
        this.password = password;
        key = TestCertificates.rsa();
        certificate = TestCertificates.selfSigned(key, "containerj test token issuer");
        server = HttpServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), 50);
        server.setExecutor(executor);
        server.createContext("/token", this::token);
        server.start();
    }

    String realm() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/token";
    }

    /** The certificate as PEM, for the registry's rootcertbundle. */
    String certificatePem() {
        return TestCertificates.pem("CERTIFICATE", certificate);
    }

    /** The registry's {@code auth:} section for this server, its certificate in {@code bundle}. */
    String registryAuth(java.nio.file.Path bundle) {
        return """
                auth:
                  token:
                    realm: %s
                    service: %s
                    issuer: %s
                    rootcertbundle: %s
                """.formatted(realm(), SERVICE, ISSUER, bundle);
    }

    private void token(HttpExchange ex) throws IOException {
        try (ex) {
            String query = ex.getRequestMethod().equals("POST")
                    ? new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8)
                    : ex.getRequestURI().getRawQuery();
            Map<String, List<String>> params = new LinkedHashMap<>();
            if (query != null) {
                for (String kv : query.split("&")) {
                    int eq = kv.indexOf('=');
                    if (eq > 0) {
                        params.computeIfAbsent(URLDecoder.decode(kv.substring(0, eq), StandardCharsets.UTF_8),
                                k -> new ArrayList<>()).add(URLDecoder.decode(kv.substring(eq + 1), StandardCharsets.UTF_8));
                    }
                }
            }
            requests.add(ex.getRequestMethod() + " " + params);
            String who = null;
            String given = null;
            if (ex.getRequestMethod().equals("POST")) {
                if (List.of("password").equals(params.get("grant_type"))) {
                    who = first(params, "username");
                    given = first(params, "password");
                }
            } else {
                String auth = ex.getRequestHeaders().getFirst("Authorization");
                if (auth != null && auth.startsWith("Basic ")) {
                    String up = new String(Base64.getDecoder().decode(auth.substring(6)), StandardCharsets.UTF_8);
                    int colon = up.indexOf(':');
                    who = up.substring(0, colon);
                    given = up.substring(colon + 1);
                }
            }
            if (who != null && !(who.equals(user) && password.equals(given))) {
                ex.sendResponseHeaders(401, -1);
                return;
            }
            boolean mayPush = who != null;
            List<Map<String, Object>> access = new ArrayList<>();
            for (String scopeList : params.getOrDefault("scope", List.of())) {
                for (String scope : scopeList.split(" ")) {
                    String[] p = scope.split(":");
                    if (p.length != 3 || !p[0].equals("repository")) {
                        continue;
                    }
                    List<String> actions = new ArrayList<>();
                    for (String a : p[2].split(",")) {
                        if (a.equals("pull") || (a.equals("push") && mayPush)) {
                            actions.add(a);
                        }
                    }
                    access.add(Map.of("type", "repository", "name", p[1], "actions", actions));
                }
            }
            String jwt = jwt(access);
            String field = ex.getRequestMethod().equals("POST") ? "access_token" : "token";
            byte[] body = GSON.toJson(Map.of(field, jwt, "expires_in", 300)).getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().set("Content-Type", "application/json");
            ex.sendResponseHeaders(200, body.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(body);
            }
        } catch (GeneralSecurityException e) {
            ex.sendResponseHeaders(500, -1);
        }
    }

    private static String first(Map<String, List<String>> params, String key) {
        List<String> v = params.get(key);
        return v == null || v.isEmpty() ? null : v.get(0);
    }

    private String jwt(List<Map<String, Object>> access) throws GeneralSecurityException {
        Base64.Encoder url = Base64.getUrlEncoder().withoutPadding();
        Gson gson = GSON;
        Map<String, Object> header = new LinkedHashMap<>();
        header.put("typ", "JWT");
        header.put("alg", "RS256");
        header.put("x5c", List.of(Base64.getEncoder().encodeToString(certificate)));
        long now = Instant.now().getEpochSecond();
        Map<String, Object> claims = new LinkedHashMap<>();
        claims.put("iss", ISSUER);
        claims.put("sub", user);
        claims.put("aud", SERVICE);
        claims.put("exp", now + 300);
        claims.put("nbf", now - 10);
        claims.put("iat", now);
        claims.put("jti", UUID.randomUUID().toString());
        claims.put("access", access);
        String signingInput = url.encodeToString(gson.toJson(header).getBytes(StandardCharsets.UTF_8)) + "."
                + url.encodeToString(gson.toJson(claims).getBytes(StandardCharsets.UTF_8));
        Signature s = Signature.getInstance("SHA256withRSA");
        s.initSign(key.getPrivate());
        s.update(signingInput.getBytes(StandardCharsets.US_ASCII));
        return signingInput + "." + url.encodeToString(s.sign());
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
