package org.containerj.events.grpc;

import java.time.Instant;
import java.util.concurrent.atomic.AtomicBoolean;

import org.containerj.api.errdefs.ContainerjException;
import org.containerj.api.events.Envelope;
import org.containerj.api.identifiers.Identifiers;
import org.containerj.api.plugin.PluginProperties;
import org.containerj.api.plugin.PluginTypes;
import org.containerj.events.impl.EventExchange;
import org.containerj.events.impl.EventFields;
import org.containerj.events.impl.Topics;
import org.containerj.filters.Filter;
import org.containerj.proto.services.events.v1.EventsGrpc;
import org.containerj.proto.services.events.v1.ForwardRequest;
import org.containerj.proto.services.events.v1.PublishRequest;
import org.containerj.proto.services.events.v1.SubscribeRequest;
import org.containerj.server.GrpcErrors;
import org.containerj.server.RequestNamespace;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.tinylog.Logger;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import com.google.protobuf.Empty;
import com.google.protobuf.Timestamp;

import io.grpc.BindableService;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;

/** {@code containerd.services.events.v1.Events}: {@code ctr events}, publish and forward. */
@Component(service = BindableService.class, property = {
        PluginProperties.TYPE + "=" + PluginTypes.GRPC,
        PluginProperties.ID + "=events",
        PluginProperties.REQUIRES + "=" + PluginTypes.EVENT + ".exchange" })
public class EventsService extends EventsGrpc.EventsImplBase {
    /** Envelopes a subscriber may have unsent before it is dropped as too slow. */
    private static final int MAX_BACKLOG = 1024;

    @Reference
    private EventExchange exchange;

    @Override
    public void publish(PublishRequest request, StreamObserver<Empty> observer) {
        if (!request.hasEvent()) {
            throw ContainerjException.invalidArgument("event must not be empty");
        }
        exchange.publish(RequestNamespace.current(), request.getTopic(), request.getEvent().getTypeUrl(),
                request.getEvent().getValue().toByteArray());
        observer.onNext(Empty.getDefaultInstance());
        observer.onCompleted();
    }

    @Override
    public void forward(ForwardRequest request, StreamObserver<Empty> observer) {
        var in = request.getEnvelope();
        Identifiers.validate(in.getNamespace());
        Topics.validate(in.getTopic());
        if (!in.hasTimestamp()) {
            throw ContainerjException.invalidArgument("envelope timestamp must be set");
        }
        exchange.forward(new Envelope(Instant.ofEpochSecond(in.getTimestamp().getSeconds(), in.getTimestamp().getNanos()),
                in.getNamespace(), in.getTopic(), in.getEvent().getTypeUrl(), in.getEvent().getValue().toByteArray()));
        observer.onNext(Empty.getDefaultInstance());
        observer.onCompleted();
    }

    @Override
    public void subscribe(SubscribeRequest request, StreamObserver<org.containerj.proto.services.events.v1.Envelope> observer) {
        Filter filter = Filter.parse(request.getFiltersList());
        var stream = (ServerCallStreamObserver<org.containerj.proto.services.events.v1.Envelope>) observer;
        AtomicBoolean closed = new AtomicBoolean();
        int[] backlog = {0};
        AutoCloseable[] subscription = new AutoCloseable[1];
        subscription[0] = exchange.subscribe(envelope -> {
            if (closed.get() || !filter.matches(EventFields.of(envelope))) {
                return;
            }
            // The dispatcher thread is the only writer of this stream.
            if (!stream.isReady() && ++backlog[0] > MAX_BACKLOG) {
                if (closed.compareAndSet(false, true)) {
                    stream.onError(Status.RESOURCE_EXHAUSTED.withDescription("event subscriber too slow")
                            .asRuntimeException());
                    close(subscription[0]);
                }
                return;
            }
            if (stream.isReady()) {
                backlog[0] = 0;
            }
            try {
                stream.onNext(toProto(envelope));
            } catch (RuntimeException e) {
                closed.set(true);
                close(subscription[0]);
            }
        });
        stream.setOnCancelHandler(() -> {
            closed.set(true);
            close(subscription[0]);
        });
    }

    private static org.containerj.proto.services.events.v1.Envelope toProto(Envelope e) {
        return org.containerj.proto.services.events.v1.Envelope.newBuilder()
                .setTimestamp(Timestamp.newBuilder().setSeconds(e.timestamp().getEpochSecond())
                        .setNanos(e.timestamp().getNano()))
                .setNamespace(e.namespace())
                .setTopic(e.topic())
                .setEvent(Any.newBuilder().setTypeUrl(e.typeUrl()).setValue(ByteString.copyFrom(e.payload())))
                .build();
    }

    private static void close(AutoCloseable c) {
        try {
            if (c != null) {
                c.close();
            }
        } catch (Exception e) {
            Logger.tag("events").debug("closing subscription: {}", GrpcErrors.toStatus(e).getMessage());
        }
    }
}
