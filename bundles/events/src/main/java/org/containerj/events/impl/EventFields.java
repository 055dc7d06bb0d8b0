package org.containerj.events.impl;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.containerj.api.events.Envelope;
import org.containerj.filters.FieldSource;
import org.containerj.proto.events.ContainerEventsProto;
import org.containerj.proto.events.ContentEventsProto;
import org.containerj.proto.services.images.v1.ImageEventsProto;
import org.containerj.proto.events.NamespaceEventsProto;
import org.containerj.proto.events.SandboxEventsProto;
import org.containerj.proto.events.SnapshotEventsProto;
import org.containerj.proto.events.TaskEventsProto;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Descriptors.FileDescriptor;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MapEntry;

/**
 * What event filters read: {@code namespace}, {@code topic}, and {@code event.<field>}
 * of containerd's own event messages (decoded by their descriptors), e.g.
 * {@code event.container_id==abc} or {@code event.labels.k==v}.
 */
public final class EventFields {
    private static final Map<String, Descriptor> EVENTS = new HashMap<>();

    static {
        for (FileDescriptor file : List.of(ContainerEventsProto.getDescriptor(), ContentEventsProto.getDescriptor(),
                ImageEventsProto.getDescriptor(), NamespaceEventsProto.getDescriptor(),
                SandboxEventsProto.getDescriptor(), SnapshotEventsProto.getDescriptor(),
                TaskEventsProto.getDescriptor())) {
            for (Descriptor d : file.getMessageTypes()) {
                EVENTS.put(d.getFullName(), d);
            }
        }
    }

    private EventFields() {
    }

    public static FieldSource of(Envelope envelope) {
        return path -> switch (path.get(0)) {
            case "namespace" -> path.size() == 1 ? Optional.of(envelope.namespace()) : Optional.empty();
            case "topic" -> path.size() == 1 ? Optional.of(envelope.topic()) : Optional.empty();
            case "event" -> eventField(envelope, path.subList(1, path.size()));
            default -> Optional.empty();
        };
    }

    private static Optional<String> eventField(Envelope envelope, List<String> path) {
        String type = envelope.typeUrl();
        Descriptor descriptor = EVENTS.get(type.substring(type.lastIndexOf('/') + 1));
        if (descriptor == null || path.isEmpty()) {
            return Optional.empty();
        }
        try {
            DynamicMessage message = DynamicMessage.parseFrom(descriptor, envelope.payload());
            FieldDescriptor field = descriptor.findFieldByName(path.get(0));
            if (field == null) {
                return Optional.empty();
            }
            if (field.isMapField()) {
                String key = String.join(".", path.subList(1, path.size()));
                for (Object entry : (List<?>) message.getField(field)) {
                    if (entry instanceof MapEntry<?, ?> e && key.equals(String.valueOf(e.getKey()))) {
                        return Optional.of(String.valueOf(e.getValue()));
                    }
                    if (entry instanceof DynamicMessage e) {
                        var fields = e.getDescriptorForType().getFields();
                        if (key.equals(String.valueOf(e.getField(fields.get(0))))) {
                            return Optional.of(String.valueOf(e.getField(fields.get(1))));
                        }
                    }
                }
                return Optional.empty();
            }
            if (path.size() != 1 || field.isRepeated() || field.getJavaType() == FieldDescriptor.JavaType.MESSAGE) {
                return Optional.empty();
            }
            return Optional.of(String.valueOf(message.getField(field)));
        } catch (InvalidProtocolBufferException e) {
            return Optional.empty();
        }
    }
}
