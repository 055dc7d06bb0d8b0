package org.containerj.registry.impl;

import java.io.IOException;
import java.io.InputStream;

import org.containerj.api.errdefs.ContainerjException;
import org.containerj.api.errdefs.ErrorKind;

/**
 * A body that must hold exactly {@code expected} bytes: DATA_LOSS when it ends early or
 * goes on (checked by reading one byte past the end before reporting the end). A
 * negative {@code expected} checks nothing.
 */
final class SizedStream extends InputStream {
    private final InputStream in;
    private final long expected;
    private final String what;
    private long count;
    private boolean done;

    SizedStream(InputStream in, long expected, String what) {
        this.in = in;
        this.expected = expected;
        this.what = what;
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
            return 0;
        }
        if (done) {
            return -1;
        }
        if (expected >= 0 && count == expected) {
            int extra = in.read();
            if (extra >= 0) {
                close();
                throw new ContainerjException(ErrorKind.DATA_LOSS, what + ": the registry sent more than the "
                        + expected + " bytes expected");
            }
            done = true;
            return -1;
        }
        int max = expected >= 0 ? (int) Math.min(len, expected - count) : len;
        int n;
        try {
            n = in.read(b, off, max);
        } catch (ContainerjException e) {
            if (e.kind() == ErrorKind.UNAVAILABLE && expected >= 0) {
                // the registry did not deliver what the descriptor says: the body was cut short
                close();
                throw new ContainerjException(ErrorKind.DATA_LOSS, what + ": short read: the transfer ended after "
                        + count + " of " + expected + " bytes: " + e.getMessage(), e);
            }
            throw e;
        }
        if (n < 0) {
            if (expected >= 0 && count < expected) {
                close();
                throw new ContainerjException(ErrorKind.DATA_LOSS, what + ": short read: the registry sent " + count
                        + " of " + expected + " bytes");
            }
            done = true;
            return -1;
        }
        count += n;
        return n;
    }

    @Override
    public int available() throws IOException {
        return expected >= 0 ? (int) Math.min(in.available(), expected - count) : in.available();
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
