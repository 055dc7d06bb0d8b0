package org.containerj.registry.impl;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

import org.containerj.api.errdefs.ContainerjException;
import org.containerj.api.errdefs.ErrorKind;
import org.containerj.api.remotes.RegistryCredentials;
import org.tinylog.Logger;

/**
 * Authorizes requests to registry endpoints the way containerd's docker authorizer does:
 * nothing until an endpoint answers 401; then, from its challenge, basic auth (when there
 * are credentials) or bearer tokens fetched from the challenge's realm for the request's
 * scopes ({@code repository:<name>:pull[,push]}), sent on every later request to that
 * endpoint. Endpoint handlers and tokens are kept per endpoint and per credentials (two
 * callers with different credentials never share a token); tokens until they expire.
 */
final class Authorizer {
    /** A token whose response gives no lifetime is good for 60 s (the token spec's default). */
    static final Duration DEFAULT_TOKEN_LIFETIME = Duration.ofSeconds(60);
    private static final int MAX_TOKENS = 512;

    private final TokenFetcher fetcher;
    private final Clock clock;
    private final Map<String, Handler> handlers = new ConcurrentHashMap<>();
    private final Map<String, Token> tokens = new ConcurrentHashMap<>();

    /** How to authenticate at one endpoint: basic, or bearer with a realm and service. */
    record Handler(String scheme, String realm, String service) {
    }

    record Token(String value, Instant expires) {
    }

    /** Who asks where: the endpoint, the caller's credentials for it, and how to reach the realm. */
    record Context(String authority, RegistryCredentials credentials, TokenFetcher.Transport transport) {
        String key() {
            return authority + "|" + credentialsKey(credentials);
        }
    }

    Authorizer(TokenFetcher fetcher, Clock clock) {
        this.fetcher = fetcher;
        this.clock = clock;
    }

    /** The Authorization header for a request, or null when the endpoint has asked for none. */
    String authorization(Context ctx, List<String> scopes) {
        Handler h = handlers.get(ctx.key());
        if (h == null) {
            return null;
        }
        if (h.scheme.equals(Challenge.BASIC)) {
            RegistryCredentials c = ctx.credentials();
            return "Basic " + Base64.getEncoder().encodeToString(
                    (c.username() + ":" + c.secret()).getBytes(StandardCharsets.UTF_8));
        }
        List<String> sorted = sortedScopes(scopes);
        String tokenKey = ctx.key() + "|" + h.realm + "|" + h.service + "|" + String.join(" ", sorted);
        Instant now = clock.instant();
        Token t = tokens.get(tokenKey);
        if (t == null || !t.expires.isAfter(now)) {
            TokenFetcher.Result r = fetcher.fetch(ctx.transport(), h.realm, h.service, sorted, ctx.credentials());
            Duration life = r.expiresIn() > 0 ? Duration.ofSeconds(r.expiresIn()) : DEFAULT_TOKEN_LIFETIME;
            // renew a little before the registry would refuse it
            Duration margin = life.dividedBy(10).compareTo(Duration.ofSeconds(10)) > 0
                    ? Duration.ofSeconds(10) : life.dividedBy(10);
            t = new Token(r.token(), now.plus(life).minus(margin));
            if (tokens.size() >= MAX_TOKENS) {
                tokens.values().removeIf(x -> !x.expires.isAfter(now));
                if (tokens.size() >= MAX_TOKENS) {
                    tokens.clear();
                }
            }
            tokens.put(tokenKey, t);
        }
        return "Bearer " + t.value;
    }

    /**
     * Takes an endpoint's 401 into account. True when the request should be retried with
     * new authorization; the challenge's own scopes are then added to {@code scopes}.
     * False when retrying cannot help: no usable challenge, anonymous against basic auth,
     * or the authorization just sent was refused again. A token refused on the request's
     * first 401 (one that expired early, say) is dropped and a new one fetched, as long as
     * the request has not been refused before ({@code repeated}); a second refusal with an
     * {@code error} is final, as in containerd.
     */
    boolean challenged(Context ctx, List<String> wwwAuthenticate, String sentAuthorization, List<String> scopes,
            boolean repeated) {
        for (Challenge c : Challenge.parse(wwwAuthenticate)) {
            if (c.scheme().equals(Challenge.BEARER)) {
                String realm = c.parameter("realm");
                if (realm == null || realm.isEmpty()) {
                    throw new ContainerjException(ErrorKind.UNAUTHENTICATED,
                            ctx.authority() + ": no realm specified for token auth challenge");
                }
                if (sentAuthorization != null && sentAuthorization.startsWith("Bearer ")) {
                    String sent = sentAuthorization.substring(7);
                    tokens.values().removeIf(t -> t.value.equals(sent));
                    if (c.parameter("error") != null && repeated) {
                        Logger.tag("registry").debug("{}: token refused: {}", ctx.authority(), c.parameter("error"));
                        return false;
                    }
                }
                handlers.put(ctx.key(), new Handler(Challenge.BEARER, realm, c.parameters().getOrDefault("service", "")));
                String scope = c.parameter("scope");
                if (scope != null) {
                    for (String s : scope.split(" ")) {
                        if (!s.isEmpty() && !scopes.contains(s)) {
                            scopes.add(s);
                        }
                    }
                }
                return true;
            }
            if (c.scheme().equals(Challenge.BASIC)) {
                RegistryCredentials cred = ctx.credentials();
                if (cred.username().isEmpty() || cred.secret().isEmpty()) {
                    continue;
                }
                if (sentAuthorization != null && sentAuthorization.startsWith("Basic ")) {
                    return false;
                }
                handlers.put(ctx.key(), new Handler(Challenge.BASIC, "", ""));
                return true;
            }
        }
        return false;
    }

    /** Forgets what an endpoint asked for (for tests and when credentials change). */
    void reset() {
        handlers.clear();
        tokens.clear();
    }

    static List<String> sortedScopes(List<String> scopes) {
        return new ArrayList<>(new TreeSet<>(scopes));
    }

    /** Credentials identified without keeping the secret in a map key. */
    static String credentialsKey(RegistryCredentials c) {
        if (c.anonymous()) {
            return "anonymous";
        }
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(c.username().getBytes(StandardCharsets.UTF_8));
            sha.update((byte) 0);
            sha.update(c.secret().getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(sha.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
