package org.containerj.filters;

import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/** One {@code fieldpath [op value]} term. A field that is absent never matches. */
record Selector(List<String> path, Operator operator, String value, Pattern regex) {

    enum Operator { PRESENT, EQUAL, NOT_EQUAL, MATCHES }

    boolean matches(FieldSource source) {
        Optional<String> actual = source.field(path);
        if (actual.isEmpty()) {
            return false;
        }
        return switch (operator) {
            case PRESENT -> true;
            case EQUAL -> actual.get().equals(value);
            case NOT_EQUAL -> !actual.get().equals(value);
            case MATCHES -> regex.matcher(actual.get()).find();
        };
    }
}
