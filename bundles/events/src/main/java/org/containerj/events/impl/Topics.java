package org.containerj.events.impl;

import org.containerj.api.errdefs.ContainerjException;
import org.containerj.api.identifiers.Identifiers;

/** containerd's topic rules: {@code /a/b}, each component an identifier. */
public final class Topics {
    private Topics() {
    }

    public static String validate(String topic) {
        if (topic == null || topic.isEmpty()) {
            throw ContainerjException.invalidArgument("topic must not be empty");
        }
        if (topic.charAt(0) != '/') {
            throw ContainerjException.invalidArgument("topic %s must start with '/'", quote(topic));
        }
        if (topic.length() == 1) {
            throw ContainerjException.invalidArgument("topic %s must have at least one component", quote(topic));
        }
        for (String component : topic.substring(1).split("/", -1)) {
            if (!Identifiers.isValid(component)) {
                throw ContainerjException.invalidArgument("topic %s: component %s is not a valid identifier",
                        quote(topic), quote(component));
            }
        }
        return topic;
    }

    private static String quote(String s) {
        return "\"" + s + "\"";
    }
}
