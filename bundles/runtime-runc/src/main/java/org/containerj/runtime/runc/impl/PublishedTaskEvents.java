package org.containerj.runtime.runc.impl;

import java.time.Instant;
import java.util.function.Supplier;

import org.containerj.api.events.EventPublisher;
import org.containerj.api.runtime.ExitStatus;
import org.containerj.proto.events.TaskExit;
import org.containerj.proto.events.TaskOOM;
import org.tinylog.Logger;

import com.google.protobuf.Message;
import com.google.protobuf.Timestamp;

/** {@link TaskEvents} through the daemon's {@link EventPublisher}, when there is one. */
final class PublishedTaskEvents implements TaskEvents {
    private final Supplier<EventPublisher> publisher;

    PublishedTaskEvents(Supplier<EventPublisher> publisher) {
        this.publisher = publisher;
    }

    @Override
    public boolean exited(String namespace, String containerId, String processId, ExitStatus exit) {
        Instant at = exit.exitedAt() == null ? Instant.EPOCH : exit.exitedAt();
        return publish(namespace, "/tasks/exit", TaskExit.newBuilder().setContainerId(containerId).setId(processId)
                .setPid(Math.max(0, exit.pid())).setExitStatus(exit.code())
                .setExitedAt(Timestamp.newBuilder().setSeconds(at.getEpochSecond()).setNanos(at.getNano())).build());
    }

    @Override
    public boolean oom(String namespace, String containerId) {
        return publish(namespace, "/tasks/oom", TaskOOM.newBuilder().setContainerId(containerId).build());
    }

    private boolean publish(String namespace, String topic, Message event) {
        EventPublisher p = publisher.get();
        if (p == null) {
            return false;
        }
        try {
            p.publish(namespace, topic, event.getDescriptorForType().getFullName(), event.toByteArray());
            return true;
        } catch (RuntimeException e) {
            Logger.tag("runtime").warn("event {} not published: {}", topic, e.getMessage());
            return false;
        }
    }
}
