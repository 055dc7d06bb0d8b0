package org.containerj.registry.impl;

import java.net.http.HttpClient;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Executor;

/**
 * One JDK HTTP client per TLS configuration, so that connections to a registry are
 * reused across requests. Redirects are followed by the caller (to drop credentials on
 * a change of host); HTTP/1.1, so that parallel ranges use parallel connections.
 */
final class HttpClients {
    private static final int MAX_CLIENTS = 16;

    private final Duration connectTimeout;
    private final Executor executor;
    private final Map<TlsSettings, HttpClient> clients = new LinkedHashMap<>(16, 0.75f, true) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<TlsSettings, HttpClient> eldest) {
            return size() > MAX_CLIENTS;
        }
    };

    /**
     * @param connectTimeout bound on establishing a connection
     * @param executor       runs the clients' asynchronous work
     */
    HttpClients(Duration connectTimeout, Executor executor) {
        this.connectTimeout = connectTimeout;
        this.executor = executor;
    }

    synchronized HttpClient client(TlsSettings tls) {
        return clients.computeIfAbsent(tls, this::build);
    }

    private HttpClient build(TlsSettings tls) {
        HttpClient.Builder b = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(connectTimeout)
                .executor(executor);
        if (!tls.isDefault()) {
            b.sslContext(tls.sslContext());
        }
        return b.build();
    }
}
