package org.containerj.registry.impl;

import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Base64;

/** Keys and self-signed certificates made by the tests themselves (no tool, no file from elsewhere). */
final class TestCertificates {
    private TestCertificates() {
    }

    static KeyPair rsa() throws GeneralSecurityException {
        KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
        g.initialize(2048);
        return g.generateKeyPair();
    }

    /** A v1 certificate of the key, signed by itself (SHA256withRSA). */
    static byte[] selfSigned(KeyPair key, String name) throws GeneralSecurityException {
        return selfSigned(key, name, null);
    }

    /** Self-signed; with {@code ip}, a v3 certificate naming that address (subjectAltName), for TLS servers. */
    static byte[] selfSigned(KeyPair key, String name, InetAddress ip) throws GeneralSecurityException {
        byte[] sha256WithRsa = Der.sequence(Der.oid("1.2.840.113549.1.1.11"), new byte[] {Der.NULL, 0});
        byte[] dn = Der.sequence(Der.set(Der.sequence(Der.oid("2.5.4.3"),
                Der.tlv(Der.UTF8_STRING, name.getBytes(StandardCharsets.UTF_8)))));
        DateTimeFormatter utc = DateTimeFormatter.ofPattern("yyMMddHHmmss'Z'").withZone(ZoneOffset.UTC);
        Instant now = Instant.now();
        byte[] validity = Der.sequence(
                Der.tlv(Der.UTC_TIME, utc.format(now.minusSeconds(3600)).getBytes(StandardCharsets.US_ASCII)),
                Der.tlv(Der.UTC_TIME, utc.format(now.plusSeconds(86400)).getBytes(StandardCharsets.US_ASCII)));
        byte[] serial = Der.integer(BigInteger.valueOf(now.toEpochMilli()));
        byte[] tbs;
        if (ip == null) {
            tbs = Der.sequence(serial, sha256WithRsa, dn, validity, dn, key.getPublic().getEncoded());
        } else {
            byte[] san = Der.sequence(Der.oid("2.5.29.17"),
                    Der.tlv(Der.OCTET_STRING, Der.sequence(Der.tlv(0x87, ip.getAddress()))));
            tbs = Der.sequence(Der.tlv(0xa0, Der.integer(BigInteger.TWO)), serial, sha256WithRsa, dn, validity, dn,
                    key.getPublic().getEncoded(), Der.tlv(0xa3, Der.sequence(san)));
        }
        Signature s = Signature.getInstance("SHA256withRSA");
        s.initSign(key.getPrivate());
        s.update(tbs);
        byte[] sig = s.sign();
        byte[] bits = new byte[sig.length + 1];
        System.arraycopy(sig, 0, bits, 1, sig.length);
        return Der.sequence(tbs, sha256WithRsa, Der.tlv(Der.BIT_STRING, bits));
    }

    static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }

    /** The key as openssl's traditional {@code RSA PRIVATE KEY} (PKCS#1, taken out of PKCS#8). */
    static byte[] pkcs1(KeyPair key) throws GeneralSecurityException {
        Der.Reader info = new Der.Reader(key.getPrivate().getEncoded()).enter(Der.SEQUENCE);
        info.next(); // version
        info.next(); // algorithm
        return info.value(); // the OCTET STRING's contents
    }
}
