package org.containerj.registry.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManagerFactory;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;

import org.containerj.api.errdefs.ContainerjException;
import org.containerj.api.errdefs.ErrorKind;
import org.containerj.api.remotes.RemoteOptions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * TLS per host from hosts.toml against an https registry on 127.0.0.1 with a certificate
 * the test made: verified against {@code ca}, refused without it, accepted with
 * {@code skip_verify}; a server that wants client certificates gets the {@code client} pair.
 */
class TlsHostsTest {
    @TempDir
    Path dir;

    private KeyPair serverKey;
    private byte[] serverCert;
    private KeyPair clientKey;
    private byte[] clientCert;
    private HttpsServer server;
    private ExecutorService executor;
    private RegistryThreads threads;
    private RegistryClient client;
    private final byte[] manifest = "{\"schemaVersion\":2}".getBytes(StandardCharsets.UTF_8);

    @BeforeEach
    void start() throws Exception {
        serverKey = TestCertificates.rsa();
        serverCert = TestCertificates.selfSigned(serverKey, "registry", InetAddress.getByName("127.0.0.1"));
        clientKey = TestCertificates.rsa();
        clientCert = TestCertificates.selfSigned(clientKey, "client");
        Files.writeString(dir.resolve("server.pem"), TestCertificates.pem("CERTIFICATE", serverCert));
        Files.writeString(dir.resolve("client.pem"), TestCertificates.pem("CERTIFICATE", clientCert));
        Files.writeString(dir.resolve("client.key"), TestCertificates.pem("RSA PRIVATE KEY",
                TestCertificates.pkcs1(clientKey)));
        threads = new RegistryThreads();
        client = RegistryClient.create(RegistrySettings.withRanges(dir, Duration.ofSeconds(10), 1 << 20, 1 << 18, 2),
                Duration.ofSeconds(5), "containerj-test", threads);
    }

    private void serve(boolean needClientCert) throws IOException, GeneralSecurityException {
        CertificateFactory cf = CertificateFactory.getInstance("X.509");
        KeyStore keys = KeyStore.getInstance("PKCS12");
        keys.load(null, null);
        keys.setKeyEntry("server", serverKey.getPrivate(), new char[0],
                new Certificate[] {cf.generateCertificate(new ByteArrayInputStream(serverCert))});
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(keys, new char[0]);
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("client", cf.generateCertificate(new ByteArrayInputStream(clientCert)));
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
        executor = Executors.newCachedThreadPool();
        server = HttpsServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), 10);
        server.setHttpsConfigurator(new HttpsConfigurator(ctx) {
            @Override
            public void configure(HttpsParameters params) {
                SSLParameters p = getSSLContext().getDefaultSSLParameters();
                p.setNeedClientAuth(needClientCert);
                params.setSSLParameters(p);
            }
        });
        server.setExecutor(executor);
        server.createContext("/v2/app/manifests/v1", ex -> {
            try (ex) {
                ex.getResponseHeaders().set("Content-Type", MediaTypes.OCI_MANIFEST);
                ex.getResponseHeaders().set("Docker-Content-Digest", "sha256:" + RegistryClient.sha256(manifest));
                ex.getResponseHeaders().set("Content-Length", String.valueOf(manifest.length));
                ex.sendResponseHeaders(200, -1);
            }
        });
        server.start();
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.stop(0);
            executor.shutdownNow();
        }
        threads.close();
    }

    /** hosts.toml for registry name {@code host}, pointing at the https server. */
    private void hosts(String host, String extra) throws IOException {
        Path d = Files.createDirectories(dir.resolve(host));
        Files.writeString(d.resolve("hosts.toml"), "server = \"https://127.0.0.1:" + server.getAddress().getPort()
                + "\"\n" + extra);
    }

    private long resolve(String host) {
        return client.resolve(client.parse(host + "/app:v1"), RemoteOptions.DEFAULT).descriptor().size();
    }

    @Test
    void verifiesAgainstTheConfiguredCa() throws Exception {
        serve(false);
        hosts("with-ca.example", "ca = \"" + dir.resolve("server.pem") + "\"\n");
        assertEquals(manifest.length, resolve("with-ca.example"));

        hosts("no-ca.example", "");
        ContainerjException e = assertThrows(ContainerjException.class, () -> resolve("no-ca.example"));
        assertEquals(ErrorKind.UNAVAILABLE, e.kind(), e::getMessage);
        assertTrue(e.getMessage().contains("TLS"), e::getMessage);

        hosts("skip.example", "skip_verify = true\n");
        assertEquals(manifest.length, resolve("skip.example"));
    }

    @Test
    void offersTheClientCertificate() throws Exception {
        serve(true);
        // relative paths are relative to the host directory
        Files.copy(dir.resolve("server.pem"), Files.createDirectories(dir.resolve("mtls.example")).resolve("ca.pem"));
        hosts("mtls.example", "ca = \"ca.pem\"\nclient = [[\"" + dir.resolve("client.pem") + "\", \""
                + dir.resolve("client.key") + "\"]]\n");
        assertEquals(manifest.length, resolve("mtls.example"));

        hosts("no-client.example", "ca = \"" + dir.resolve("server.pem") + "\"\n");
        ContainerjException e = assertThrows(ContainerjException.class, () -> resolve("no-client.example"));
        assertEquals(ErrorKind.UNAVAILABLE, e.kind(), e::getMessage);
    }
}
