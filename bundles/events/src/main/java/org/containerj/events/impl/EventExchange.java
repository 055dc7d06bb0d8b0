package org.containerj.events.impl;

import java.time.Instant;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import org.containerj.api.events.Envelope;
import org.containerj.api.events.EventPublisher;
import org.containerj.api.events.EventSubscriber;
import org.containerj.api.identifiers.Identifiers;
import org.containerj.api.plugin.PluginProperties;
import org.containerj.api.plugin.PluginTypes;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.tinylog.Logger;

/**
 * The one path events take (containerd's exchange plugin). Publishers hand an envelope
 * to a bounded queue and return; one dispatcher thread delivers each envelope, in
 * order, to every subscriber: whiteboard {@link EventSubscriber} services and the
 * streams of {@code Events.Subscribe}. When the queue is full (subscribers far behind),
 * the event is dropped and counted rather than blocking the publisher.
 */
@Component(service = {EventPublisher.class, EventExchange.class}, property = {
        PluginProperties.TYPE + "=" + PluginTypes.EVENT,
        PluginProperties.ID + "=exchange" })
public class EventExchange implements EventPublisher {
    private static final int QUEUE = 4096;

    private final List<EventSubscriber> subscribers = new CopyOnWriteArrayList<>();
    private final BlockingQueue<Envelope> queue = new ArrayBlockingQueue<>(QUEUE);
    private volatile Thread dispatcher;
    private volatile long dropped;

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    void addSubscriber(EventSubscriber subscriber) {
        subscribers.add(subscriber);
    }

    void removeSubscriber(EventSubscriber subscriber) {
        subscribers.remove(subscriber);
    }

    /** Adds a subscriber that is not a service (a gRPC stream); returns how to remove it. */
    public AutoCloseable subscribe(EventSubscriber subscriber) {
        subscribers.add(subscriber);
        return () -> subscribers.remove(subscriber);
    }

    @Activate
    void activate() {
        Thread t = new Thread(this::dispatch, "events-dispatch");
        t.setDaemon(true);
        dispatcher = t;
        t.start();
    }

    @Deactivate
    void deactivate() throws InterruptedException {
        Thread t = dispatcher;
        dispatcher = null;
        if (t != null) {
            t.interrupt();
            t.join(TimeUnit.SECONDS.toMillis(5));
        }
    }

    @Override
    public void publish(String namespace, String topic, String typeUrl, byte[] payload) {
        Identifiers.validate(namespace);
        Topics.validate(topic);
        forward(new Envelope(Instant.now(), namespace, topic, typeUrl, payload));
    }

    /** Publishes an envelope made elsewhere (containerd's Forward), keeping its timestamp. */
    public void forward(Envelope envelope) {
        if (!queue.offer(envelope)) {
            dropped++;
            Logger.tag("events").warn("event queue full: dropped {} on {} (dropped so far: {})",
                    envelope.typeUrl(), envelope.topic(), dropped);
        }
    }

    private void dispatch() {
        while (dispatcher == Thread.currentThread()) {
            Envelope envelope;
            try {
                envelope = queue.take();
            } catch (InterruptedException e) {
                return;
            }
            for (EventSubscriber s : subscribers) {
                try {
                    s.onEvent(envelope);
                } catch (RuntimeException e) {
                    Logger.tag("events").warn(e, "subscriber {} failed on {}", s, envelope.topic());
                }
            }
        }
    }
}
