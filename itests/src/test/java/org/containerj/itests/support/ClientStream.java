package org.containerj.itests.support;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.containerj.proto.AnyTypes;
import org.containerj.proto.services.streaming.v1.StreamInit;
import org.containerj.proto.services.streaming.v1.StreamingGrpc;
import org.containerj.proto.types.transfer.Data;
import org.containerj.proto.types.transfer.WindowUpdate;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;

import io.grpc.stub.StreamObserver;

/**
 * The client end of a {@code containerd.services.streaming.v1.Streaming} call as
 * containerd's client opens one (StreamInit with the id, then the daemon's empty
 * acknowledgement), with containerd's binary stream protocol on top: the sender sends at
 * most 32 KiB per Data and only within the WindowUpdates the receiver granted; the
 * receiver grants 64 KiB whenever less is outstanding; the sender closing ends the data.
 */
public final class ClientStream {
    private static final Object END = new Object();
    private static final long WAIT_SECONDS = 120;
    private final BlockingQueue<Object> in = new LinkedBlockingQueue<>();
    private final StreamObserver<Any> out;
    private final String id;
    private volatile Throwable error;

    ClientStream(StreamingGrpc.StreamingStub stub, String id) {
        this.id = id;
        out = stub.stream(new StreamObserver<>() {
            @Override
            public void onNext(Any value) {
                in.add(value);
            }

            @Override
            public void onError(Throwable t) {
                error = t;
                in.add(END);
            }

            @Override
            public void onCompleted() {
                in.add(END);
            }
        });
        out.onNext(AnyTypes.pack(StreamInit.newBuilder().setId(id).build()));
        Any ack = recv();
        if (ack == null || !ack.getTypeUrl().endsWith("google.protobuf.Empty")) {
            throw new AssertionError("stream " + id + " was not acknowledged: " + ack + " " + error);
        }
    }

    /** The next message; null at the end of the stream. Bounded wait. */
    public Any recv() {
        Object o;
        try {
            o = in.poll(WAIT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
        if (o == null) {
            throw new AssertionError("nothing on the stream within " + WAIT_SECONDS + " s");
        }
        if (o == END) {
            in.add(END);
            return null;
        }
        return (Any) o;
    }

    public String id() {
        return id;
    }

    public Throwable error() {
        return error;
    }

    public synchronized void send(Any a) {
        out.onNext(a);
    }

    public synchronized void closeSend() {
        out.onCompleted();
    }

    /** Sends {@code data} as the sender of the binary protocol, then closes this side. */
    public void sendAll(InputStream data) throws Exception {
        long window = 0;
        byte[] buffer = new byte[32 * 1024];
        while (true) {
            while (window <= 0) {
                Any a = recv();
                if (a == null) {
                    throw new AssertionError("the daemon closed the stream before the data was sent");
                }
                window += AnyTypes.unpack(a, WindowUpdate.getDefaultInstance()).getUpdate();
            }
            int n = data.read(buffer, 0, (int) Math.min(buffer.length, window));
            if (n < 0) {
                break;
            }
            send(AnyTypes.pack(Data.newBuilder().setData(ByteString.copyFrom(buffer, 0, n)).build()));
            window -= n;
        }
        closeSend();
    }

    /** Receives the binary protocol's data until the daemon closes the stream. */
    public byte[] receiveAll() throws Exception {
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        long window = 0;
        while (true) {
            if (window < 64 * 1024) {
                send(AnyTypes.pack(WindowUpdate.newBuilder().setUpdate(64 * 1024).build()));
                window += 64 * 1024;
            }
            Any a = recv();
            if (a == null) {
                return data.toByteArray();
            }
            byte[] d = AnyTypes.unpack(a, Data.getDefaultInstance()).getData().toByteArray();
            data.write(d);
            window -= d.length;
        }
    }
}
