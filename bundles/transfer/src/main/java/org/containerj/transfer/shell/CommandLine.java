package org.containerj.transfer.shell;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The options and operands of one shell command: {@code --name value}, {@code -n value},
 * flags, repeatable options; {@code --} ends the options. Unknown options are errors.
 */
final class CommandLine {
    private final Map<String, List<String>> values = new HashMap<>();
    private final List<String> operands = new ArrayList<>();

    /**
     * @param withValue options taking a value (long names, or single letters)
     * @param flags     options without one
     * @param aliases   short name to long name
     */
    CommandLine(List<String> args, Set<String> withValue, Set<String> flags, Map<String, String> aliases) {
        boolean options = true;
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            if (options && a.equals("--")) {
                options = false;
                continue;
            }
            if (!options || !a.startsWith("-") || a.equals("-")) {
                operands.add(a);
                continue;
            }
            String name = a.replaceFirst("^--?", "");
            String inline = null;
            int eq = name.indexOf('=');
            if (eq > 0) {
                inline = name.substring(eq + 1);
                name = name.substring(0, eq);
            }
            name = aliases.getOrDefault(name, name);
            if (flags.contains(name)) {
                values.computeIfAbsent(name, k -> new ArrayList<>()).add("true");
            } else if (withValue.contains(name)) {
                String v = inline;
                if (v == null) {
                    if (i + 1 >= args.size()) {
                        throw new IllegalArgumentException("option " + a + " needs a value");
                    }
                    v = args.get(++i);
                }
                values.computeIfAbsent(name, k -> new ArrayList<>()).add(v);
            } else {
                throw new IllegalArgumentException("unknown option " + a);
            }
        }
    }

    String value(String name, String fallback) {
        List<String> v = values.get(name);
        return v == null ? fallback : v.get(v.size() - 1);
    }

    List<String> all(String name) {
        return values.getOrDefault(name, List.of());
    }

    boolean flag(String name) {
        return values.containsKey(name);
    }

    List<String> operands() {
        return operands;
    }
}
