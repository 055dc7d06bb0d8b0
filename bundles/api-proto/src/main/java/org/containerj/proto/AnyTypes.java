package org.containerj.proto;

import com.google.protobuf.Any;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.Parser;

/**
 * {@link Any} the way containerd writes it.
 *
 * <p>containerd's typeurl package puts the bare full message name into the type URL
 * ({@code containerd.events.TaskExit}, {@code containerd.runc.v1.Options}) and accepts the
 * {@code type.googleapis.com/...} form as well. protobuf-java's {@link Any#pack} always adds
 * the prefix, and {@link Any#is}/{@link Any#unpack} reject a URL without a slash. Use these
 * helpers for every Any that crosses the containerd API.
 */
public final class AnyTypes {

    private AnyTypes() {
    }

    /** Packs the message with its bare full name as type URL, as containerd does. */
    public static Any pack(Message message) {
        return Any.newBuilder()
            .setTypeUrl(message.getDescriptorForType().getFullName())
            .setValue(message.toByteString())
            .build();
    }

    /** The message name of a type URL: what follows the last '/', or the whole URL. */
    public static String typeName(Any any) {
        String url = any.getTypeUrl();
        return url.substring(url.lastIndexOf('/') + 1);
    }

    /** Whether the Any holds the message type described by {@code type}, in either URL form. */
    public static boolean is(Any any, Descriptor type) {
        return typeName(any).equals(type.getFullName());
    }

    /**
     * Parses the Any as the given type, accepting both URL forms.
     *
     * @throws InvalidProtocolBufferException if the Any holds another type or malformed bytes
     */
    public static <T extends Message> T unpack(Any any, T defaultInstance)
            throws InvalidProtocolBufferException {
        Descriptor type = defaultInstance.getDescriptorForType();
        if (!is(any, type)) {
            throw new InvalidProtocolBufferException(
                "expected " + type.getFullName() + " but the Any holds " + any.getTypeUrl());
        }
        @SuppressWarnings("unchecked")
        Parser<T> parser = (Parser<T>) defaultInstance.getParserForType();
        return parser.parseFrom(any.getValue());
    }
}
