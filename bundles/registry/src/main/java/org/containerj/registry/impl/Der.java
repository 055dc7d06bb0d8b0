package org.containerj.registry.impl;

import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.List;

/**
 * The little ASN.1 DER the TLS set-up needs: wrapping PKCS#1 RSA and SEC1 EC private
 * keys (what {@code openssl} writes as {@code RSA PRIVATE KEY} / {@code EC PRIVATE KEY})
 * into PKCS#8, which the JDK reads. Tests also build certificates with it.
 */
final class Der {
    static final int INTEGER = 0x02;
    static final int BIT_STRING = 0x03;
    static final int OCTET_STRING = 0x04;
    static final int NULL = 0x05;
    static final int OID = 0x06;
    static final int UTF8_STRING = 0x0c;
    static final int UTC_TIME = 0x17;
    static final int SEQUENCE = 0x30;
    static final int SET = 0x31;

    /** AlgorithmIdentifier of rsaEncryption (1.2.840.113549.1.1.1) with NULL parameters. */
    static final byte[] RSA_ALGORITHM = sequence(oid("1.2.840.113549.1.1.1"), new byte[] {NULL, 0});
    private static final byte[] EC_PUBLIC_KEY = oid("1.2.840.10045.2.1");

    private Der() {
    }

    static byte[] tlv(int tag, byte[] value) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(value.length + 6);
        out.write(tag);
        int len = value.length;
        if (len < 0x80) {
            out.write(len);
        } else {
            byte[] l = BigInteger.valueOf(len).toByteArray();
            int skip = l[0] == 0 ? 1 : 0;
            out.write(0x80 | (l.length - skip));
            out.write(l, skip, l.length - skip);
        }
        out.writeBytes(value);
        return out.toByteArray();
    }

    static byte[] sequence(byte[]... items) {
        return tlv(SEQUENCE, concat(items));
    }

    static byte[] set(byte[]... items) {
        return tlv(SET, concat(items));
    }

    static byte[] integer(BigInteger v) {
        return tlv(INTEGER, v.toByteArray());
    }

    static byte[] concat(byte[]... items) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] i : items) {
            out.writeBytes(i);
        }
        return out.toByteArray();
    }

    static byte[] oid(String dotted) {
        String[] parts = dotted.split("\\.");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(Integer.parseInt(parts[0]) * 40 + Integer.parseInt(parts[1]));
        for (int i = 2; i < parts.length; i++) {
            long v = Long.parseLong(parts[i]);
            List<Integer> groups = new ArrayList<>();
            do {
                groups.add(0, (int) (v & 0x7f));
                v >>>= 7;
            } while (v != 0);
            for (int g = 0; g < groups.size(); g++) {
                out.write(groups.get(g) | (g < groups.size() - 1 ? 0x80 : 0));
            }
        }
        return tlv(OID, out.toByteArray());
    }

    /** PrivateKeyInfo (PKCS#8) of a key in its algorithm's own encoding. */
    static byte[] pkcs8(byte[] algorithm, byte[] key) {
        return sequence(integer(BigInteger.ZERO), algorithm, tlv(OCTET_STRING, key));
    }

    /** The AlgorithmIdentifier for a SEC1 ECPrivateKey: id-ecPublicKey with its curve from {@code [0]}. */
    static byte[] ecAlgorithm(byte[] sec1) throws GeneralSecurityException {
        Reader seq = new Reader(sec1).enter(SEQUENCE);
        while (seq.more()) {
            int tag = seq.peekTag();
            byte[] value = seq.next();
            if (tag == 0xa0) {
                return sequence(EC_PUBLIC_KEY, value);
            }
        }
        throw new GeneralSecurityException("EC private key without curve parameters");
    }

    /** Walks the elements of one level of DER. */
    static final class Reader {
        private final byte[] data;
        private int pos;
        private final int end;

        Reader(byte[] data) {
            this(data, 0, data.length);
        }

        private Reader(byte[] data, int pos, int end) {
            this.data = data;
            this.pos = pos;
            this.end = end;
        }

        boolean more() {
            return pos < end;
        }

        int peekTag() {
            return data[pos] & 0xff;
        }

        /** The next element's value (without tag and length). */
        byte[] value() throws GeneralSecurityException {
            int[] hl = header();
            byte[] out = java.util.Arrays.copyOfRange(data, pos + hl[0], pos + hl[0] + hl[1]);
            pos += hl[0] + hl[1];
            return out;
        }

        /** The next element whole (tag, length and value). */
        byte[] next() throws GeneralSecurityException {
            int[] hl = header();
            byte[] out = java.util.Arrays.copyOfRange(data, pos, pos + hl[0] + hl[1]);
            pos += hl[0] + hl[1];
            return out;
        }

        /** A reader of the next element's contents, which must have {@code tag}. */
        Reader enter(int tag) throws GeneralSecurityException {
            if (peekTag() != tag) {
                throw new GeneralSecurityException("unexpected DER tag " + peekTag());
            }
            int[] hl = header();
            Reader r = new Reader(data, pos + hl[0], pos + hl[0] + hl[1]);
            pos += hl[0] + hl[1];
            return r;
        }

        /** {header length, value length} of the element at pos. */
        private int[] header() throws GeneralSecurityException {
            if (pos + 2 > end) {
                throw new GeneralSecurityException("truncated DER");
            }
            int first = data[pos + 1] & 0xff;
            int headerLength = 2;
            int length;
            if (first < 0x80) {
                length = first;
            } else {
                int n = first & 0x7f;
                if (n == 0 || n > 4 || pos + 2 + n > end) {
                    throw new GeneralSecurityException("bad DER length");
                }
                length = 0;
                for (int i = 0; i < n; i++) {
                    length = (length << 8) | (data[pos + 2 + i] & 0xff);
                }
                headerLength += n;
            }
            if (length < 0 || pos + headerLength + length > end) {
                throw new GeneralSecurityException("truncated DER");
            }
            return new int[] {headerLength, length};
        }
    }
}
