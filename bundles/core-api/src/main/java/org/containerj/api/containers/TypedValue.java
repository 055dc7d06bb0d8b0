package org.containerj.api.containers;

import java.util.Arrays;

/**
 * An opaque value with the type URL that says how to read it (a {@code google.protobuf.Any}
 * without the protobuf dependency): a container's spec, runtime options, extensions.
 */
public record TypedValue(String typeUrl, byte[] value) {
    public TypedValue {
        typeUrl = typeUrl == null ? "" : typeUrl;
        value = value == null ? new byte[0] : value.clone();
    }

    @Override
    public byte[] value() {
        return value.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TypedValue t && typeUrl.equals(t.typeUrl) && Arrays.equals(value, t.value);
    }

    @Override
    public int hashCode() {
        return typeUrl.hashCode() * 31 + Arrays.hashCode(value);
    }

    @Override
    public String toString() {
        return "TypedValue[" + typeUrl + ", " + value.length + " bytes]";
    }
}
