package org.containerj.api.metadata;

import java.util.Objects;

/**
 * A key and its value, as a scan returns them. The value array belongs to the receiver
 * (it is a copy of what is stored).
 */
public record Entry(Key key, byte[] value) {

    public Entry {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(value, "value");
    }
}
