package org.containerj.transfer.impl;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

import org.containerj.api.content.Digest;

/** SHA-256, containerd's canonical digest. */
final class Digests {
    private Digests() {
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is always there", e);
        }
    }

    static Digest sha256(byte[] data) {
        return of(sha256().digest(data));
    }

    static Digest of(byte[] sum) {
        return new Digest("sha256", HexFormat.of().formatHex(sum));
    }
}
