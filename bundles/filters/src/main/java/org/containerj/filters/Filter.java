package org.containerj.filters;

import java.util.ArrayList;
import java.util.List;

/**
 * A parsed filter: a list of alternatives, each a conjunction of selectors. An empty
 * filter matches everything, as in containerd.
 */
public final class Filter {
    private static final Filter ALWAYS = new Filter(List.of());

    private final List<List<Selector>> alternatives;

    private Filter(List<List<Selector>> alternatives) {
        this.alternatives = alternatives;
    }

    /**
     * Parses the filter strings of a request; blank strings are ignored. A malformed
     * string is INVALID_ARGUMENT naming it.
     */
    public static Filter parse(List<String> filters) {
        List<List<Selector>> alternatives = new ArrayList<>();
        for (String f : filters) {
            if (f == null || f.isBlank()) {
                continue;
            }
            alternatives.add(new FilterParser(f).parse());
        }
        return alternatives.isEmpty() ? ALWAYS : new Filter(List.copyOf(alternatives));
    }

    public static Filter parse(String... filters) {
        return parse(List.of(filters));
    }

    public boolean matches(FieldSource source) {
        if (alternatives.isEmpty()) {
            return true;
        }
        for (List<Selector> all : alternatives) {
            if (all.stream().allMatch(s -> s.matches(source))) {
                return true;
            }
        }
        return false;
    }

    /** True when this filter accepts everything. */
    public boolean isEmpty() {
        return alternatives.isEmpty();
    }
}
