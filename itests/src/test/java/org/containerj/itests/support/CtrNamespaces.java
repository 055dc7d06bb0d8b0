package org.containerj.itests.support;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/** Parses {@code ctr namespaces ls}: {@code NAME LABELS}, labels as {@code k=v,k2=v2}. */
public final class CtrNamespaces {
    private CtrNamespaces() {
    }

    /** Namespace name to its labels, in the order listed. */
    public static Map<String, Map<String, String>> parse(String ctrOutput) {
        Map<String, Map<String, String>> out = new LinkedHashMap<>();
        for (String line : ctrOutput.lines().toList()) {
            String trimmed = line.trim();
            if (trimmed.isEmpty()) {
                continue;
            }
            String[] f = trimmed.split("\\s+", 2);
            if (f[0].equals("NAME") && f.length == 2 && f[1].trim().equals("LABELS")) {
                continue;
            }
            Map<String, String> labels = new TreeMap<>();
            if (f.length == 2) {
                for (String kv : f[1].trim().split(",")) {
                    int eq = kv.indexOf('=');
                    if (eq > 0) {
                        labels.put(kv.substring(0, eq), kv.substring(eq + 1));
                    } else if (!kv.isEmpty()) {
                        labels.put(kv, "");
                    }
                }
            }
            out.put(f[0], labels);
        }
        return out;
    }
}
