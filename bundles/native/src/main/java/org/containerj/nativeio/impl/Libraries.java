package org.containerj.nativeio.impl;

import jnr.ffi.LibraryLoader;
import jnr.ffi.Runtime;

/** Loads the C library once, on first use (jnr-ffi generates the binding then, which takes a moment). */
public final class Libraries {

    private static volatile CLibrary libc;
    private static volatile Runtime runtime;

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

    /** errno of the last call made through {@link #libc()} on this thread. */
    public static int lastErrno() {
        libc();
        return runtime.getLastError();
    }
}
