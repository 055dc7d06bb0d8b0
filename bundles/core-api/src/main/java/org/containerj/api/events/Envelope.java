package org.containerj.api.events;

import java.time.Instant;
import java.util.Objects;

/**
 * One event as containerd's event service carries it: when, in which namespace, on
 * which topic ({@code /namespaces/create}), and the event message as a protobuf
 * {@code Any} (its type URL and encoded bytes).
 */
public record Envelope(Instant timestamp, String namespace, String topic, String typeUrl, byte[] payload) {
    public Envelope {
        Objects.requireNonNull(timestamp, "timestamp");
        Objects.requireNonNull(namespace, "namespace");
        Objects.requireNonNull(topic, "topic");
        Objects.requireNonNull(typeUrl, "typeUrl");
        payload = payload.clone();
    }

    @Override
    public byte[] payload() {
        return payload.clone();
    }
}
