package org.containerj.nativeio.impl;

import jnr.ffi.annotations.In;
import jnr.ffi.annotations.Out;

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

    int open(String path, int flags, int mode);

    int close(int fd);

    int mknod(String path, int mode, long dev);

    int chmod(String path, int mode);

    int utimensat(int dirfd, String path, @In long[] times, int flags);

    long llistxattr(String path, @Out byte[] list, long size);

    long lgetxattr(String path, String name, @Out byte[] value, long size);

    int lsetxattr(String path, String name, @In byte[] value, long size, int flags);

    int socket(int domain, int type, int protocol);

    int socketpair(int domain, int type, int protocol, @Out int[] sv);

    int connect(int fd, @In byte[] address, int length);

    long recv(int fd, @Out byte[] buffer, long length, int flags);

    long send(int fd, @In byte[] buffer, long length, int flags);

    int shutdown(int fd, int how);
}
