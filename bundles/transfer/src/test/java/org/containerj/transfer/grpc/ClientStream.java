package org.containerj.transfer.grpc;

import java.io.ByteArrayOutputStream;
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
 * The client's end of a Streaming call, as containerd's client makes one: StreamInit,
 * wait for the acknowledgement, then Anys both ways; with containerd's binary stream
 * protocol on top (send within the granted window; receive granting 64 KiB at a time).
 */
final class ClientStream {
    private static final Object END = new Object();
    private final BlockingQueue<Object> in = new LinkedBlockingQueue<>();
    private final StreamObserver<Any> out;
    volatile Throwable error;

    ClientStream(StreamingGrpc.StreamingStub stub, String id) throws InterruptedException {
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
            throw new AssertionError("no acknowledgement of stream " + id + ": " + ack + " " + error);
        }
    }

    /** The next message; null at the end. */
    Any recv() throws InterruptedException {
        Object o = in.poll(30, TimeUnit.SECONDS);
        if (o == null) {
            throw new AssertionError("nothing received within 30 s");
        }
        if (o == END) {
            in.add(END);
            return null;
        }
        return (Any) o;
    }

    synchronized void send(Any a) {
        out.onNext(a);
    }

    void closeSend() {
        out.onCompleted();
    }

    void cancel() {
        out.onError(new RuntimeException("client gives up"));
    }

    /** Sends {@code data} as the binary stream protocol's sender (on the calling thread), then closes its side. */
    void sendAll(byte[] data) throws Exception {
        long window = 0;
        int pos = 0;
        while (pos < data.length) {
            while (window <= 0) {
                Any a = recv();
                if (a == null) {
                    throw new AssertionError("receiver closed the stream");
                }
                window += AnyTypes.unpack(a, WindowUpdate.getDefaultInstance()).getUpdate();
            }
            int n = (int) Math.min(Math.min(32 * 1024, window), data.length - pos);
            send(AnyTypes.pack(Data.newBuilder().setData(ByteString.copyFrom(data, pos, n)).build()));
            pos += n;
            window -= n;
        }
        closeSend();
    }

    /** Receives the binary stream until the sender closes it. */
    byte[] receiveAll() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        long window = 0;
        while (true) {
            if (window < 64 * 1024) {
                send(AnyTypes.pack(WindowUpdate.newBuilder().setUpdate(64 * 1024).build()));
                window += 64 * 1024;
            }
            Any a = recv();
            if (a == null) {
                return out.toByteArray();
            }
            byte[] d = AnyTypes.unpack(a, Data.getDefaultInstance()).getData().toByteArray();
            out.write(d);
            window -= d.length;
        }
    }
}
