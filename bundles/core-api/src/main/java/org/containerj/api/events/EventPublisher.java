package org.containerj.api.events;

/**
 * Where plugins publish events. There is one publisher in the daemon; subscribers
 * (the Events gRPC service, the CRI plugin) receive every envelope after it.
 */
public interface EventPublisher {
    /**
     * Publishes an event. Never blocks on slow subscribers.
     *
     * @param namespace namespace the event belongs to
     * @param topic containerd's topic, e.g. {@code /containers/create}
     * @param typeUrl type URL of the event message, e.g. {@code containerd.events.ContainerCreate}
     * @param payload the encoded event message
     */
    void publish(String namespace, String topic, String typeUrl, byte[] payload);
}
