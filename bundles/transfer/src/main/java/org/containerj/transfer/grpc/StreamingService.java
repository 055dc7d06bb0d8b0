package org.containerj.transfer.grpc;

import java.util.concurrent.atomic.AtomicReference;

import org.containerj.api.errdefs.ContainerjException;
import org.containerj.api.plugin.PluginProperties;
import org.containerj.api.plugin.PluginTypes;
import org.containerj.proto.AnyTypes;
import org.containerj.proto.services.streaming.v1.StreamInit;
import org.containerj.proto.services.streaming.v1.StreamingGrpc;
import org.containerj.server.GrpcErrors;
import org.containerj.server.RequestNamespace;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.tinylog.Logger;

import com.google.protobuf.Any;
import com.google.protobuf.Empty;
import com.google.protobuf.InvalidProtocolBufferException;

import io.grpc.BindableService;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;

/**
 * {@code containerd.services.streaming.v1.Streaming}: a client opens a stream with a
 * {@code StreamInit} naming it, the daemon registers it in the namespace of the call and
 * acknowledges with an empty message ({@code google.protobuf.Empty}), as containerd does;
 * the transfer service then uses it by name.
 */
@Component(service = BindableService.class, property = {
        PluginProperties.TYPE + "=" + PluginTypes.GRPC,
        PluginProperties.ID + "=streaming",
        PluginProperties.REQUIRES + "=" + StreamManager.PLUGIN_TYPE + ".manager" })
public class StreamingService extends StreamingGrpc.StreamingImplBase {
    private final StreamManager manager;

    @Activate
    public StreamingService(@Reference StreamManager manager) {
        this.manager = manager;
    }

    @Override
    public StreamObserver<Any> stream(StreamObserver<Any> responses) {
        ServerCallStreamObserver<Any> call = (ServerCallStreamObserver<Any>) responses;
        call.disableAutoRequest();
        String namespace = RequestNamespace.current();
        AtomicReference<ServerStream> registered = new AtomicReference<>();
        // only settable before this method returns; it then covers the stream once registered
        call.setOnCancelHandler(() -> {
            ServerStream s = registered.get();
            if (s != null) {
                s.remoteEnded(new IllegalStateException("the client canceled the stream"));
            }
        });
        StreamObserver<Any> observer = new StreamObserver<>() {
            private ServerStream stream;

            @Override
            public void onNext(Any message) {
                if (stream != null) {
                    stream.delivered(message);
                    return;
                }
                String id;
                try {
                    id = AnyTypes.unpack(message, StreamInit.getDefaultInstance()).getId();
                } catch (InvalidProtocolBufferException e) {
                    call.onError(GrpcErrors.toStatus(ContainerjException.invalidArgument(
                            "the first message of a stream must be a StreamInit: %s", e.getMessage())));
                    return;
                }
                ServerStream s = new ServerStream(manager, namespace, id, call);
                try {
                    manager.register(namespace, id, s);
                } catch (ContainerjException e) {
                    call.onError(GrpcErrors.toStatus(e));
                    return;
                }
                stream = s;
                registered.set(s);
                Logger.tag("transfer").debug("stream {} registered in {}", id, namespace);
                s.send(AnyTypes.pack(Empty.getDefaultInstance()));
                call.request(1);
            }

            @Override
            public void onError(Throwable t) {
                if (stream != null) {
                    stream.remoteEnded(t);
                }
            }

            @Override
            public void onCompleted() {
                if (stream != null) {
                    stream.remoteEnded(null);
                } else {
                    call.onCompleted();
                }
            }
        };
        call.request(1);
        return observer;
    }
}
