package org.containerj.containers.impl;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.containerj.api.containers.Container;
import org.containerj.api.containers.TypedValue;
import org.containerj.api.errdefs.ContainerjException;
import org.containerj.api.metadata.Key;
import org.containerj.api.metadata.MetadataLayout;
import org.containerj.filters.FieldSource;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Timestamp;

/**
 * How a container is stored: {@code v1/<ns>/containers/<id>} holds a
 * {@code containerd.services.containers.v1.Container} message without its id (the key).
 * Also the conversions between the record, {@link Container} and the wire messages.
 */
public final class ContainerRecords {
    private ContainerRecords() {
    }

    public static Key containers(String namespace) {
        return MetadataLayout.bucket(namespace, MetadataLayout.CONTAINERS);
    }

    public static Key container(String namespace, String id) {
        return MetadataLayout.bucket(namespace, MetadataLayout.CONTAINERS, id);
    }

    static byte[] encode(Container container) {
        return toProto(container).toBuilder().clearId().build().toByteArray();
    }

    static Container decode(String id, byte[] value) {
        try {
            return fromProto(org.containerj.proto.services.containers.v1.Container.parseFrom(value).toBuilder()
                    .setId(id).build());
        } catch (InvalidProtocolBufferException e) {
            throw ContainerjException.internal("container " + id + ": damaged record", e);
        }
    }

    public static org.containerj.proto.services.containers.v1.Container toProto(Container c) {
        var runtime = org.containerj.proto.services.containers.v1.Container.Runtime.newBuilder()
                .setName(c.runtime().name());
        if (c.runtime().options() != null) {
            runtime.setOptions(toProto(c.runtime().options()));
        }
        var b = org.containerj.proto.services.containers.v1.Container.newBuilder()
                .setId(c.id())
                .putAllLabels(c.labels())
                .setImage(c.image())
                .setRuntime(runtime)
                .setSnapshotter(c.snapshotter())
                .setSnapshotKey(c.snapshotKey())
                .setSandbox(c.sandbox());
        if (c.spec() != null) {
            b.setSpec(toProto(c.spec()));
        }
        c.extensions().forEach((k, v) -> b.putExtensions(k, toProto(v)));
        if (c.createdAt() != null) {
            b.setCreatedAt(timestamp(c.createdAt()));
        }
        if (c.updatedAt() != null) {
            b.setUpdatedAt(timestamp(c.updatedAt()));
        }
        return b.build();
    }

    public static Container fromProto(org.containerj.proto.services.containers.v1.Container p) {
        TypedValue options = p.getRuntime().hasOptions() ? fromProto(p.getRuntime().getOptions()) : null;
        Map<String, TypedValue> extensions = new LinkedHashMap<>();
        p.getExtensionsMap().forEach((k, v) -> extensions.put(k, fromProto(v)));
        return new Container(p.getId(), p.getLabelsMap(), p.getImage(),
                new Container.Runtime(p.getRuntime().getName(), options),
                p.hasSpec() ? fromProto(p.getSpec()) : null,
                p.getSnapshotter(), p.getSnapshotKey(),
                p.hasCreatedAt() ? instant(p.getCreatedAt()) : null,
                p.hasUpdatedAt() ? instant(p.getUpdatedAt()) : null,
                extensions, p.getSandbox());
    }

    static Any toProto(TypedValue v) {
        return Any.newBuilder().setTypeUrl(v.typeUrl()).setValue(ByteString.copyFrom(v.value())).build();
    }

    static TypedValue fromProto(Any a) {
        return new TypedValue(a.getTypeUrl(), a.getValue().toByteArray());
    }

    /** The fields containerd's container filters see: id, image, runtime.name, labels.KEY. */
    static FieldSource fields(Container c) {
        return path -> switch (path.get(0)) {
            case "id" -> single(path, c.id());
            case "image" -> single(path, c.image());
            case "runtime" -> path.size() == 2 && path.get(1).equals("name") ? present(c.runtime().name())
                    : Optional.empty();
            case "labels" -> path.size() < 2 ? Optional.empty()
                    : Optional.ofNullable(c.labels().get(String.join(".", path.subList(1, path.size()))));
            default -> Optional.empty();
        };
    }

    private static Optional<String> single(List<String> path, String value) {
        return path.size() == 1 ? present(value) : Optional.empty();
    }

    private static Optional<String> present(String value) {
        return value.isEmpty() ? Optional.empty() : Optional.of(value);
    }

    static Timestamp timestamp(Instant t) {
        return Timestamp.newBuilder().setSeconds(t.getEpochSecond()).setNanos(t.getNano()).build();
    }

    static Instant instant(Timestamp t) {
        return Instant.ofEpochSecond(t.getSeconds(), t.getNanos());
    }
}
