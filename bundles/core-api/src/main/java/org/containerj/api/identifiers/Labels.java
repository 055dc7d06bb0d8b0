package org.containerj.api.identifiers;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

import org.containerj.api.errdefs.ContainerjException;

/** containerd's limit on labels: key and value together at most 4096 bytes. */
public final class Labels {
    public static final int MAX_SIZE = 4096;

    private Labels() {
    }

    /** Throws INVALID_ARGUMENT for the first label that is empty-keyed or too large. */
    public static Map<String, String> validate(Map<String, String> labels) {
        for (Map.Entry<String, String> e : labels.entrySet()) {
            validate(e.getKey(), e.getValue());
        }
        return labels;
    }

    /**
     * The labels to store: those with an empty value are left out, as containerd stores no
     * empty value (setting a label to the empty string removes it).
     */
    public static Map<String, String> withoutEmpty(Map<String, String> labels) {
        if (labels.values().stream().noneMatch(v -> v == null || v.isEmpty())) {
            return labels;
        }
        Map<String, String> kept = new LinkedHashMap<>(labels);
        kept.values().removeIf(v -> v == null || v.isEmpty());
        return kept;
    }

    public static void validate(String key, String value) {
        if (key == null || key.isEmpty()) {
            throw ContainerjException.invalidArgument("label key must not be empty");
        }
        int size = key.getBytes(StandardCharsets.UTF_8).length
                + (value == null ? 0 : value.getBytes(StandardCharsets.UTF_8).length);
        if (size > MAX_SIZE) {
            String head = key.length() > 10 ? key.substring(0, 10) : key;
            throw ContainerjException.invalidArgument("label key and value greater than maximum size (%d bytes), key: %s",
                    MAX_SIZE, head);
        }
    }
}
