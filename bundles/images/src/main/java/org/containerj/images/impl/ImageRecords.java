package org.containerj.images.impl;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

import org.containerj.api.content.Descriptor;
import org.containerj.api.content.Digest;
import org.containerj.api.errdefs.ContainerjException;
import org.containerj.api.images.Image;
import org.containerj.api.metadata.Key;
import org.containerj.api.metadata.MetadataLayout;
import org.containerj.filters.FieldSource;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Timestamp;

/**
 * How an image is stored: {@code v1/<ns>/images/<name>} holds a
 * {@code containerd.services.images.v1.Image} message (name left out: it is the key).
 * Also the conversions between the record, {@link Image} and the wire messages.
 */
public final class ImageRecords {
    private ImageRecords() {
    }

    public static Key images(String namespace) {
        return MetadataLayout.bucket(namespace, MetadataLayout.IMAGES);
    }

    public static Key image(String namespace, String name) {
        return MetadataLayout.bucket(namespace, MetadataLayout.IMAGES, name);
    }

    static byte[] encode(Image image) {
        return toProto(image).toBuilder().clearName().build().toByteArray();
    }

    static Image decode(String name, byte[] value) {
        try {
            return fromProto(org.containerj.proto.services.images.v1.Image.parseFrom(value).toBuilder().setName(name)
                    .build());
        } catch (InvalidProtocolBufferException | ContainerjException e) {
            throw ContainerjException.internal("image " + name + ": damaged record", e);
        }
    }

    public static org.containerj.proto.services.images.v1.Image toProto(Image image) {
        var b = org.containerj.proto.services.images.v1.Image.newBuilder()
                .setName(image.name())
                .putAllLabels(image.labels());
        if (image.target() != null) {
            b.setTarget(toProto(image.target()));
        }
        if (image.createdAt() != null) {
            b.setCreatedAt(timestamp(image.createdAt()));
        }
        if (image.updatedAt() != null) {
            b.setUpdatedAt(timestamp(image.updatedAt()));
        }
        return b.build();
    }

    /** An image from the wire; the target digest is checked by the store, not here. */
    public static Image fromProto(org.containerj.proto.services.images.v1.Image p) {
        Descriptor target = p.hasTarget() ? fromProto(p.getTarget()) : null;
        return new Image(p.getName(), p.getLabelsMap(), target,
                p.hasCreatedAt() ? instant(p.getCreatedAt()) : null,
                p.hasUpdatedAt() ? instant(p.getUpdatedAt()) : null);
    }

    public static org.containerj.proto.types.Descriptor toProto(Descriptor d) {
        return org.containerj.proto.types.Descriptor.newBuilder()
                .setMediaType(d.mediaType() == null ? "" : d.mediaType())
                .setDigest(d.digest() == null ? "" : d.digest().toString())
                .setSize(d.size())
                .putAllAnnotations(d.annotations())
                .build();
    }

    /** INVALID_ARGUMENT when the digest is set but malformed; an empty digest becomes null. */
    public static Descriptor fromProto(org.containerj.proto.types.Descriptor p) {
        Digest digest;
        try {
            digest = p.getDigest().isEmpty() ? null : Digest.parse(p.getDigest());
        } catch (ContainerjException e) {
            throw ContainerjException.invalidArgument("Target.Digest \"%s\" invalid: %s", p.getDigest(),
                    e.getMessage());
        }
        return new Descriptor(p.getMediaType(), digest, p.getSize(), p.getAnnotationsMap(), List.of());
    }

    /** The fields containerd's image filters see. */
    static FieldSource fields(Image image) {
        return path -> switch (path.get(0)) {
            case "name" -> path.size() == 1 ? Optional.of(image.name()) : Optional.empty();
            case "target" -> targetField(image.target(), path);
            case "labels" -> path.size() < 2 ? Optional.empty()
                    : Optional.ofNullable(image.labels().get(String.join(".", path.subList(1, path.size()))));
            default -> Optional.empty();
        };
    }

    private static Optional<String> targetField(Descriptor target, List<String> path) {
        if (target == null || path.size() != 2) {
            return Optional.empty();
        }
        return switch (path.get(1)) {
            case "digest" -> Optional.ofNullable(target.digest()).map(Digest::toString);
            case "mediatype" -> Optional.ofNullable(target.mediaType());
            default -> Optional.empty();
        };
    }

    static Timestamp timestamp(Instant t) {
        return Timestamp.newBuilder().setSeconds(t.getEpochSecond()).setNanos(t.getNano()).build();
    }

    static Instant instant(Timestamp t) {
        return Instant.ofEpochSecond(t.getSeconds(), t.getNanos());
    }
}
