package org.containerj.transfer.impl;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

import org.containerj.api.content.Digest;

/**
 * OCI chain ids: the first layer's chain id is its diff id; each next one is
 * {@code sha256(parentChainId + " " + diffId)}. Unpacked layers are committed as
 * snapshots named by them, so any image sharing a prefix of layers shares the snapshots.
 */
public final class ChainIds {
    private ChainIds() {
    }

    public static Digest next(Digest parent, Digest diffId) {
        if (parent == null) {
            return diffId;
        }
        try {
            byte[] sum = MessageDigest.getInstance("SHA-256")
                    .digest((parent + " " + diffId).getBytes(StandardCharsets.US_ASCII));
            return new Digest("sha256", HexFormat.of().formatHex(sum));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is always there", e);
        }
    }

    public static List<Digest> of(List<Digest> diffIds) {
        List<Digest> out = new ArrayList<>(diffIds.size());
        Digest chain = null;
        for (Digest d : diffIds) {
            chain = next(chain, d);
            out.add(chain);
        }
        return List.copyOf(out);
    }
}
