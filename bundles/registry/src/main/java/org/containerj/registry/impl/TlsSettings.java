package org.containerj.registry.impl;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;
import javax.net.ssl.X509TrustManager;

import org.containerj.api.errdefs.ContainerjException;
import org.containerj.api.errdefs.ErrorKind;
import org.containerj.registry.impl.RegistryHost.ClientPair;

/**
 * The TLS side of one endpoint: whether to verify, which extra CAs to trust besides the
 * JDK's, which client certificates to offer. Equal settings share one HTTP client.
 * {@code stamp} (the files' sizes and modification times) makes a changed file a new key.
 */
record TlsSettings(boolean skipVerify, List<Path> caFiles, List<ClientPair> clientPairs, List<String> stamp) {
    private static final Pattern PEM = Pattern.compile(
            "-----BEGIN ([A-Z0-9 ]+)-----([^-]+)-----END \\1-----");

    static TlsSettings of(RegistryHost host, boolean defaultSkipVerify) {
        boolean skip = host.skipVerify() != null ? host.skipVerify() : defaultSkipVerify;
        List<String> stamp = new ArrayList<>();
        List<Path> files = new ArrayList<>(host.caFiles());
        for (ClientPair p : host.clientPairs()) {
            files.add(p.cert());
            if (p.key() != null) {
                files.add(p.key());
            }
        }
        for (Path f : files) {
            try {
                stamp.add(Files.size(f) + "@" + Files.getLastModifiedTime(f).toMillis());
            } catch (IOException e) {
                stamp.add("missing");
            }
        }
        return new TlsSettings(skip, host.caFiles(), host.clientPairs(), stamp);
    }

    boolean isDefault() {
        return !skipVerify && caFiles.isEmpty() && clientPairs.isEmpty();
    }

    /** An SSLContext for these settings; FAILED_PRECONDITION naming a file that cannot be used. */
    SSLContext sslContext() {
        try {
            TrustManager[] trust = skipVerify ? new TrustManager[] {new TrustAll()} : trustManagers();
            KeyManager[] keys = clientPairs.isEmpty() ? null : keyManagers();
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(keys, trust, null);
            return ctx;
        } catch (GeneralSecurityException e) {
            throw new ContainerjException(ErrorKind.FAILED_PRECONDITION, "TLS configuration: " + e.getMessage(), e);
        }
    }

    private TrustManager[] trustManagers() throws GeneralSecurityException {
        if (caFiles.isEmpty()) {
            return null;
        }
        KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
        try {
            store.load(null, null);
        } catch (IOException e) {
            throw new GeneralSecurityException(e);
        }
        // the JDK's own trust anchors, as containerd starts from the system pool
        TrustManagerFactory system = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        system.init((KeyStore) null);
        int n = 0;
        for (TrustManager tm : system.getTrustManagers()) {
            if (tm instanceof X509TrustManager x) {
                for (X509Certificate c : x.getAcceptedIssuers()) {
                    store.setCertificateEntry("system-" + n++, c);
                }
            }
        }
        for (Path f : caFiles) {
            Collection<X509Certificate> certs = certificates(f);
            if (certs.isEmpty()) {
                throw new ContainerjException(ErrorKind.FAILED_PRECONDITION, "unable to load CA cert " + f);
            }
            for (X509Certificate c : certs) {
                store.setCertificateEntry("ca-" + n++, c);
            }
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(store);
        return tmf.getTrustManagers();
    }

    private KeyManager[] keyManagers() throws GeneralSecurityException {
        KeyStore store = KeyStore.getInstance("PKCS12");
        try {
            store.load(null, null);
        } catch (IOException e) {
            throw new GeneralSecurityException(e);
        }
        char[] password = new char[0];
        int n = 0;
        for (ClientPair p : clientPairs) {
            Collection<X509Certificate> chain = certificates(p.cert());
            if (chain.isEmpty()) {
                throw new ContainerjException(ErrorKind.FAILED_PRECONDITION, "no certificate in " + p.cert());
            }
            PrivateKey key = privateKey(p.key() != null ? p.key() : p.cert());
            store.setKeyEntry("client-" + n++, key, password, chain.toArray(new Certificate[0]));
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(store, password);
        return kmf.getKeyManagers();
    }

    @SuppressWarnings("unchecked")
    static Collection<X509Certificate> certificates(Path file) throws GeneralSecurityException {
        byte[] data = read(file);
        return (Collection<X509Certificate>) CertificateFactory.getInstance("X.509")
                .generateCertificates(new ByteArrayInputStream(data));
    }

    /** A PEM private key: PKCS#8 ({@code PRIVATE KEY}), PKCS#1 RSA or SEC1 EC. */
    static PrivateKey privateKey(Path file) throws GeneralSecurityException {
        String text = new String(read(file), StandardCharsets.US_ASCII);
        Matcher m = PEM.matcher(text);
        while (m.find()) {
            String type = m.group(1);
            byte[] der = Base64.getMimeDecoder().decode(m.group(2));
            switch (type) {
                case "PRIVATE KEY" -> {
                    return pkcs8(der);
                }
                case "RSA PRIVATE KEY" -> {
                    return KeyFactory.getInstance("RSA").generatePrivate(
                            new PKCS8EncodedKeySpec(Der.pkcs8(Der.RSA_ALGORITHM, der)));
                }
                case "EC PRIVATE KEY" -> {
                    return KeyFactory.getInstance("EC").generatePrivate(
                            new PKCS8EncodedKeySpec(Der.pkcs8(Der.ecAlgorithm(der), der)));
                }
                default -> {
                    // another block (a certificate): go on
                }
            }
        }
        throw new ContainerjException(ErrorKind.FAILED_PRECONDITION, "no private key in " + file);
    }

    private static PrivateKey pkcs8(byte[] der) throws GeneralSecurityException {
        for (String algorithm : List.of("RSA", "EC", "Ed25519")) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
            } catch (GeneralSecurityException e) {
                // try the next algorithm
            }
        }
        throw new GeneralSecurityException("unsupported private key");
    }

    private static byte[] read(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new ContainerjException(ErrorKind.FAILED_PRECONDITION, "unable to read " + file + ": " + e, e);
        }
    }

    /**
     * Trusts every certificate and checks no host name: {@code skip_verify}. An extended
     * trust manager, so that JSSE does not add its own host name check around it.
     */
    static final class TrustAll extends X509ExtendedTrustManager {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) {
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
