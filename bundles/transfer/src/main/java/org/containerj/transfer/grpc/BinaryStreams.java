package org.containerj.transfer.grpc;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;

import org.containerj.api.errdefs.ContainerjException;
import org.containerj.proto.AnyTypes;
import org.containerj.proto.types.transfer.Data;
import org.containerj.proto.types.transfer.WindowUpdate;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;

/**
 * containerd's binary stream protocol on a stream: the sender sends {@code Data} of at
 * most 32 KiB and only as much as the receiver granted with {@code WindowUpdate}s; the
 * receiver grants 64 KiB whenever less than that is outstanding; the sender closing the
 * stream ends the data.
 */
final class BinaryStreams {
    static final int MAX_READ = 32 * 1024;
    static final int WINDOW = 2 * MAX_READ;

    private BinaryStreams() {
    }

    /** The bytes the client sends on {@code stream}; closing it closes the stream. */
    static InputStream receiver(ServerStream stream) {
        return new InputStream() {
            private int window;
            private byte[] buffer = new byte[0];
            private int pos;
            private boolean eof;

            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                if (len == 0) {
                    return 0;
                }
                while (pos >= buffer.length) {
                    if (eof) {
                        return -1;
                    }
                    fill();
                }
                int n = Math.min(len, buffer.length - pos);
                System.arraycopy(buffer, pos, b, off, n);
                pos += n;
                return n;
            }

            private void fill() throws IOException {
                try {
                    if (window < WINDOW) {
                        try {
                            stream.send(AnyTypes.pack(WindowUpdate.newBuilder().setUpdate(WINDOW).build()));
                            window += WINDOW;
                        } catch (ContainerjException e) {
                            // the client may have sent everything and closed already: read what is queued
                        }
                    }
                    Any a = stream.recv();
                    if (a == null) {
                        eof = true;
                        return;
                    }
                    if (AnyTypes.is(a, Data.getDescriptor())) {
                        ByteString data = AnyTypes.unpack(a, Data.getDefaultInstance()).getData();
                        buffer = data.toByteArray();
                        pos = 0;
                        window -= buffer.length;
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new InterruptedIOException("receiving " + stream.id());
                } catch (InvalidProtocolBufferException e) {
                    throw new IOException("stream " + stream.id() + ": malformed data message", e);
                } catch (ContainerjException e) {
                    throw new IOException(e.getMessage(), e);
                }
            }

            @Override
            public void close() {
                stream.close();
            }
        };
    }

    /** Bytes to the client on {@code stream}, as fast as its window allows; closing it closes the stream. */
    static OutputStream sender(ServerStream stream) {
        return new OutputStream() {
            private long remaining;

            @Override
            public void write(int b) throws IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                try {
                    while (len > 0) {
                        takeUpdates();
                        while (remaining <= 0) {
                            Any a = stream.recv();
                            if (a == null) {
                                throw new IOException("stream " + stream.id() + ": the receiver closed it");
                            }
                            grant(a);
                        }
                        int n = (int) Math.min(Math.min(len, remaining), MAX_READ);
                        stream.send(AnyTypes.pack(Data.newBuilder().setData(ByteString.copyFrom(b, off, n)).build()));
                        remaining -= n;
                        off += n;
                        len -= n;
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new InterruptedIOException("sending " + stream.id());
                } catch (ContainerjException e) {
                    throw new IOException(e.getMessage(), e);
                }
            }

            private void takeUpdates() throws IOException {
                Any a;
                while ((a = stream.poll()) != null) {
                    grant(a);
                }
            }

            private void grant(Any a) throws IOException {
                if (AnyTypes.is(a, WindowUpdate.getDescriptor())) {
                    try {
                        remaining += AnyTypes.unpack(a, WindowUpdate.getDefaultInstance()).getUpdate();
                    } catch (InvalidProtocolBufferException e) {
                        throw new IOException("stream " + stream.id() + ": malformed window update", e);
                    }
                }
            }

            @Override
            public void close() {
                stream.close();
            }
        };
    }
}
