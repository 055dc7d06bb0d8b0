package org.containerj.filters;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.containerj.api.errdefs.ContainerjException;

/**
 * Applies an update mask to labels the way containerd's Update calls do: no paths
 * replaces all labels; {@code labels} replaces all; {@code labels.KEY} sets or (when
 * absent from the update) removes one key. Other paths are left to the caller.
 */
public final class FieldPaths {
    private FieldPaths() {
    }

    /**
     * Returns the labels after applying {@code paths}. Paths that are not about labels
     * are ignored here; {@code allowed} lists the other fields the caller handles, and
     * anything else is INVALID_ARGUMENT.
     */
    public static Map<String, String> applyLabels(Map<String, String> current, Map<String, String> update,
            List<String> paths, List<String> allowed) {
        if (paths.isEmpty()) {
            return Map.copyOf(update);
        }
        Map<String, String> result = new HashMap<>(current);
        for (String path : paths) {
            if (path.equals("labels")) {
                result = new HashMap<>(update);
            } else if (path.startsWith("labels.")) {
                String key = path.substring("labels.".length());
                String value = update.get(key);
                if (value == null) {
                    result.remove(key);
                } else {
                    result.put(key, value);
                }
            } else if (!allowed.contains(path)) {
                throw ContainerjException.invalidArgument("cannot update %s field", "\"" + path + "\"");
            }
        }
        return Map.copyOf(result);
    }
}
