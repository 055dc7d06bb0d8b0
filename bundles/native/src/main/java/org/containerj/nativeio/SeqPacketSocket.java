package org.containerj.nativeio;

import java.io.Closeable;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicBoolean;
import org.containerj.nativeio.impl.Libraries;

/**
 * A connected AF_UNIX socket of type SOCK_SEQPACKET, which the JDK does not offer (its
 * UNIX-domain channels are SOCK_STREAM only); conmon's attach socket is one. Messages keep
 * their boundaries: {@link #receive} returns one message at a time.
 *
 * <p>One thread may receive while another sends. {@link #shutdown()} wakes a receive
 * blocked in another thread (it then returns 0); {@link #close()} releases the descriptor
 * and must only be called once no other thread uses the socket any more, since the
 * descriptor number may be reused at once.
 */
public final class SeqPacketSocket implements Closeable {
    private static final int AF_UNIX = 1;
    private static final int SOCK_SEQPACKET = 5;
    private static final int SOCK_CLOEXEC = 02000000;
    private static final int SHUT_WR = 1;
    private static final int SHUT_RDWR = 2;
    /** A peer that went away makes send fail with EPIPE instead of raising SIGPIPE. */
    private static final int MSG_NOSIGNAL = 0x4000;
    private static final int EINTR = 4;
    private static final int ENAMETOOLONG = 36;
    /** sizeof(sockaddr_un.sun_path), including the terminating NUL. */
    private static final int SUN_PATH = 108;

    private final int fd;
    private final String name;
    private final AtomicBoolean closed = new AtomicBoolean();

    private SeqPacketSocket(int fd, String name) {
        this.fd = fd;
        this.name = name;
    }

    /**
     * Connects to the socket file {@code path}. A path too long for {@code sun_path} is
     * reached through an {@code O_PATH} descriptor of its directory
     * ({@code /proc/self/fd/N/name}), as conmon itself binds it.
     */
    public static SeqPacketSocket connect(Path path) throws ErrnoException {
        String p = path.toString();
        byte[] name = p.getBytes(StandardCharsets.UTF_8);
        int dirFd = -1;
        try {
            if (name.length >= SUN_PATH) {
                Path abs = path.toAbsolutePath();
                dirFd = LibC.openPath(abs.getParent());
                name = ("/proc/self/fd/" + dirFd + "/" + abs.getFileName()).getBytes(StandardCharsets.UTF_8);
                if (name.length >= SUN_PATH) {
                    throw new ErrnoException("connect", p, ENAMETOOLONG);
                }
            }
            int fd = Libraries.libc().socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
            if (fd < 0) {
                throw new ErrnoException("socket", "AF_UNIX SOCK_SEQPACKET", Libraries.lastErrno());
            }
            byte[] address = new byte[2 + name.length + 1];
            short family = (short) AF_UNIX;
            if (ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN) {
                address[0] = (byte) family;
                address[1] = (byte) (family >> 8);
            } else {
                address[0] = (byte) (family >> 8);
                address[1] = (byte) family;
            }
            System.arraycopy(name, 0, address, 2, name.length);
            if (Libraries.libc().connect(fd, address, address.length) != 0) {
                int errno = Libraries.lastErrno();
                Libraries.libc().close(fd);
                throw new ErrnoException("connect", p, errno);
            }
            return new SeqPacketSocket(fd, p);
        } finally {
            if (dirFd >= 0) {
                Libraries.libc().close(dirFd);
            }
        }
    }

    /** Two sockets connected to each other (socketpair(2)). */
    public static SeqPacketSocket[] pair() throws ErrnoException {
        int[] sv = new int[2];
        if (Libraries.libc().socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0) {
            throw new ErrnoException("socketpair", "AF_UNIX SOCK_SEQPACKET", Libraries.lastErrno());
        }
        return new SeqPacketSocket[] {new SeqPacketSocket(sv[0], "pair[0]"), new SeqPacketSocket(sv[1], "pair[1]")};
    }

    /**
     * Waits for the next message and copies it into {@code buffer} (a longer message is
     * cut to the buffer's size, the rest is lost, as with recv(2)).
     *
     * @return the number of bytes received; 0 when the peer closed or shut the socket down
     */
    public int receive(byte[] buffer) throws ErrnoException {
        while (true) {
            long n = Libraries.libc().recv(fd, buffer, buffer.length, 0);
            if (n >= 0) {
                return (int) n;
            }
            int errno = Libraries.lastErrno();
            if (errno != EINTR) {
                throw new ErrnoException("recv", name, errno);
            }
        }
    }

    /** Sends {@code length} bytes of {@code data} from {@code offset} as one message. */
    public void send(byte[] data, int offset, int length) throws ErrnoException {
        byte[] message = offset == 0 && length == data.length ? data : Arrays.copyOfRange(data, offset, offset + length);
        while (true) {
            long n = Libraries.libc().send(fd, message, message.length, MSG_NOSIGNAL);
            if (n >= 0) {
                return;
            }
            int errno = Libraries.lastErrno();
            if (errno != EINTR) {
                throw new ErrnoException("send", name, errno);
            }
        }
    }

    /** Tells the peer that nothing more will be sent (it reads an end of file). */
    public void shutdownOutput() throws ErrnoException {
        if (Libraries.libc().shutdown(fd, SHUT_WR) != 0) {
            throw new ErrnoException("shutdown", name, Libraries.lastErrno());
        }
    }

    /** Shuts both directions down: a receive blocked in another thread returns 0. Errors are ignored. */
    public void shutdown() {
        if (!closed.get()) {
            Libraries.libc().shutdown(fd, SHUT_RDWR);
        }
    }

    /** Releases the descriptor (once; later calls do nothing). */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            Libraries.libc().close(fd);
        }
    }

    @Override
    public String toString() {
        return "SeqPacketSocket[" + name + ", fd " + fd + "]";
    }
}
