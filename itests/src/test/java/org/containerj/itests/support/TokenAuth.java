package org.containerj.itests.support;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * A Docker registry token server on 127.0.0.1 for docker-registry in token mode: a
 * request with the right basic credentials gets an RS256 JWT granting what its scopes
 * ask, carrying the signing certificate in {@code x5c}; anything else is 401. The RSA key
 * and its self-signed certificate (the registry's {@code rootcertbundle}) are made here,
 * with a few lines of DER rather than a tool.
 */
public final class TokenAuth implements AutoCloseable {
    public static final String SERVICE = "itests-registry";
    public static final String ISSUER = "itests-token-server";

    private final String user;
    private final String password;
    private final KeyPair key;
    private final byte[] certificate;
    private final HttpServer server;
    private final AtomicInteger issued = new AtomicInteger();
    private final AtomicInteger refused = new AtomicInteger();

    public TokenAuth(String user, String password) throws IOException, GeneralSecurityException {
        this.user = user;
        this.password = password;
        KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
        g.initialize(2048);
        this.key = g.generateKeyPair();
        this.certificate = selfSigned(key, ISSUER);
        server = HttpServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), 16);
        server.setExecutor(Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "itests-token-server");
            t.setDaemon(true);
            return t;
        }));
        server.createContext("/token", this::token);
        server.start();
    }

    public String realm() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/token";
    }

    public int issued() {
        return issued.get();
    }

    public int refused() {
        return refused.get();
    }

    /** Writes the certificate as PEM, for the registry's rootcertbundle. */
    public Path writeCertificate(Path file) throws IOException {
        String b64 = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(certificate);
        Files.writeString(file, "-----BEGIN CERTIFICATE-----\n" + b64 + "\n-----END CERTIFICATE-----\n");
        return file;
    }

    /** The {@code auth:} section of a docker-registry configuration using this server. */
    public String registryConfig(Path certificateFile) {
        return """
                auth:
                  token:
                    realm: %s
                    service: %s
                    issuer: %s
                    rootcertbundle: %s
                """.formatted(realm(), SERVICE, ISSUER, certificateFile);
    }

    private void token(HttpExchange x) throws IOException {
        try (x) {
            String auth = x.getRequestHeaders().getFirst("Authorization");
            String expected = "Basic " + Base64.getEncoder().encodeToString((user + ":" + password)
                    .getBytes(StandardCharsets.UTF_8));
            if (!x.getRequestMethod().equals("GET") || !expected.equals(auth)) {
                refused.incrementAndGet();
                byte[] body = "{\"errors\":[{\"code\":\"UNAUTHORIZED\",\"message\":\"bad credentials\"}]}"
                        .getBytes(StandardCharsets.UTF_8);
                x.sendResponseHeaders(x.getRequestMethod().equals("GET") ? 401 : 405, body.length);
                x.getResponseBody().write(body);
                return;
            }
            List<String> access = new ArrayList<>();
            String query = x.getRequestURI().getRawQuery();
            for (String param : query == null ? new String[0] : query.split("&")) {
                int eq = param.indexOf('=');
                if (eq > 0 && param.substring(0, eq).equals("scope")) {
                    String[] scope = URLDecoder.decode(param.substring(eq + 1), StandardCharsets.UTF_8).split(":");
                    if (scope.length == 3) {
                        StringBuilder actions = new StringBuilder();
                        for (String a : scope[2].split(",")) {
                            actions.append(actions.length() == 0 ? "" : ",").append('"').append(a).append('"');
                        }
                        access.add("{\"type\":\"" + scope[0] + "\",\"name\":\"" + scope[1] + "\",\"actions\":["
                                + actions + "]}");
                    }
                }
            }
            long now = Instant.now().getEpochSecond();
            String header = "{\"alg\":\"RS256\",\"typ\":\"JWT\",\"x5c\":[\""
                    + Base64.getEncoder().encodeToString(certificate) + "\"]}";
            String claims = "{\"iss\":\"" + ISSUER + "\",\"sub\":\"" + user + "\",\"aud\":\"" + SERVICE + "\","
                    + "\"exp\":" + (now + 600) + ",\"nbf\":" + (now - 60) + ",\"iat\":" + now + ","
                    + "\"jti\":\"" + issued.incrementAndGet() + "-" + System.nanoTime() + "\","
                    + "\"access\":[" + String.join(",", access) + "]}";
            Base64.Encoder url = Base64.getUrlEncoder().withoutPadding();
            String signingInput = url.encodeToString(header.getBytes(StandardCharsets.UTF_8)) + "."
                    + url.encodeToString(claims.getBytes(StandardCharsets.UTF_8));
            Signature s = Signature.getInstance("SHA256withRSA");
            s.initSign(key.getPrivate());
            s.update(signingInput.getBytes(StandardCharsets.US_ASCII));
            String jwt = signingInput + "." + url.encodeToString(s.sign());
            byte[] body = ("{\"token\":\"" + jwt + "\",\"access_token\":\"" + jwt + "\",\"expires_in\":600}")
                    .getBytes(StandardCharsets.UTF_8);
            x.getResponseHeaders().add("Content-Type", "application/json");
            x.sendResponseHeaders(200, body.length);
            x.getResponseBody().write(body);
        } catch (GeneralSecurityException e) {
            throw new IOException(e);
        }
    }

    // ---- a v1 self-signed certificate, in DER

    private static byte[] selfSigned(KeyPair key, String commonName) throws GeneralSecurityException {
        byte[] algorithm = seq(oid(1, 2, 840, 113549, 1, 1, 11), new byte[] {0x05, 0x00}); // sha256WithRSAEncryption
        byte[] name = seq(tlv(0x31, seq(oid(2, 5, 4, 3), tlv(0x0c, commonName.getBytes(StandardCharsets.UTF_8)))));
        DateTimeFormatter utc = DateTimeFormatter.ofPattern("yyMMddHHmmss'Z'").withZone(ZoneOffset.UTC);
        Instant now = Instant.now();
        byte[] validity = seq(tlv(0x17, utc.format(now.minusSeconds(3600)).getBytes(StandardCharsets.US_ASCII)),
                tlv(0x17, utc.format(now.plusSeconds(2 * 86400)).getBytes(StandardCharsets.US_ASCII)));
        byte[] tbs = seq(tlv(0x02, BigInteger.valueOf(now.toEpochMilli()).toByteArray()), algorithm, name, validity,
                name, key.getPublic().getEncoded());
        Signature s = Signature.getInstance("SHA256withRSA");
        s.initSign(key.getPrivate());
        s.update(tbs);
        byte[] signature = s.sign();
        byte[] bits = new byte[signature.length + 1]; // no unused bits
        System.arraycopy(signature, 0, bits, 1, signature.length);
        return seq(tbs, algorithm, tlv(0x03, bits));
    }

    private static byte[] seq(byte[]... parts) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            b.writeBytes(p);
        }
        return tlv(0x30, b.toByteArray());
    }

    private static byte[] oid(int... arcs) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.write(arcs[0] * 40 + arcs[1]);
        for (int i = 2; i < arcs.length; i++) {
            int v = arcs[i];
            int groups = 1;
            for (int t = v >>> 7; t > 0; t >>>= 7) {
                groups++;
            }
            for (int g = groups - 1; g >= 0; g--) {
                b.write(((v >>> (7 * g)) & 0x7f) | (g > 0 ? 0x80 : 0));
            }
        }
        return tlv(0x06, b.toByteArray());
    }

    private static byte[] tlv(int tag, byte[] value) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.write(tag);
        int n = value.length;
        if (n < 0x80) {
            b.write(n);
        } else {
            int bytes = n > 0xffffff ? 4 : n > 0xffff ? 3 : n > 0xff ? 2 : 1;
            b.write(0x80 | bytes);
            for (int i = bytes - 1; i >= 0; i--) {
                b.write((n >>> (8 * i)) & 0xff);
            }
        }
        b.writeBytes(value);
        return b.toByteArray();
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
