package org.containerj.nativeio;

import java.io.IOException;
import jnr.constants.platform.Errno;

/** A system call failed; carries errno and names the call and its operand. */
public class ErrnoException extends IOException {

    private static final long serialVersionUID = 1L;

    private final int errno;

    public ErrnoException(String call, String operand, int errno) {
        super(call + " " + operand + ": " + describe(errno));
        this.errno = errno;
    }

    /** The errno value, e.g. {@code 1} for EPERM. */
    public int errno() {
        return errno;
    }

    /** The symbolic errno name, e.g. {@code EPERM}, or {@code errno N} when unknown. */
    public String errnoName() {
        Errno e = Errno.valueOf(errno);
        return e == Errno.__UNKNOWN_CONSTANT__ ? "errno " + errno : e.name();
    }

    static String describe(int errno) {
        Errno e = Errno.valueOf(errno);
        if (e == Errno.__UNKNOWN_CONSTANT__) {
            return "errno " + errno;
        }
        return e.name() + " (" + e.description() + ")";
    }
}
