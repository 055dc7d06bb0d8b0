package org.containerj.nativeio.impl;

/**
 * The libc functions containerj calls directly, bound by jnr-ffi. Public because jnr-ffi
 * implements it in a class loader of its own; the package is private to this bundle.
 * errno is saved by jnr-ffi after every call (read it with {@code Runtime.getLastError()}).
 */
public interface CLibrary {

    int mount(String source, String target, String filesystemtype, long mountflags, String data);

    int umount2(String target, int flags);

    int chown(String path, int owner, int group);

    int lchown(String path, int owner, int group);

    int getuid();

    int geteuid();

    int getgid();

    int getegid();

    int getpid();
}
