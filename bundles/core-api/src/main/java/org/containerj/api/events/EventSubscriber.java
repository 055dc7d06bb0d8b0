package org.containerj.api.events;

/**
 * A whiteboard listener for events: register one as a service and it receives every
 * envelope published after its registration. Must return quickly; slow work belongs on
 * the subscriber's own executor.
 */
@FunctionalInterface
public interface EventSubscriber {
    void onEvent(Envelope envelope);
}
