package org.containerj.nativeio.impl;

import jnr.ffi.LibraryLoader;
import jnr.ffi.Runtime;
import jnr.posix.POSIX;
import jnr.posix.POSIXFactory;

/** Loads the C library once, on first use (jnr-ffi generates the binding then, which takes a moment). */
public final class Libraries {

    private static volatile CLibrary libc;
    private static volatile Runtime runtime;
    private static volatile POSIX posix;

    private Libraries() {
    }

    public static CLibrary libc() {
        CLibrary l = libc;
        if (l == null) {
            synchronized (Libraries.class) {
                l = libc;
                if (l == null) {
                    l = LibraryLoader.create(CLibrary.class).failImmediately().load("c");
                    runtime = Runtime.getRuntime(l);
                    libc = l;
                }
            }
        }
        return l;
    }

    /** jnr-posix's native binding (for the calls that fill a {@code struct stat}). */
    public static POSIX posix() {
        POSIX p = posix;
        if (p == null) {
            synchronized (Libraries.class) {
                p = posix;
                if (p == null) {
                    p = POSIXFactory.getNativePOSIX();
                    posix = p;
                }
            }
        }
        return p;
    }

    /** errno of the last call made through {@link #libc()} on this thread. */
    public static int lastErrno() {
        libc();
        return runtime.getLastError();
    }
}
