package org.containerj.itests.support;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * One line of {@code ctr plugins ls}: {@code TYPE ID PLATFORMS STATUS}, where PLATFORMS is
 * {@code -} or a comma-separated list and STATUS is {@code ok}, {@code skip} or {@code error}.
 */
public record CtrPlugin(String type, String id, String platforms, String status) {

    public static List<CtrPlugin> parse(String ctrOutput) {
        List<CtrPlugin> out = new ArrayList<>();
        for (String line : ctrOutput.lines().toList()) {
            String[] f = line.trim().split("\\s+");
            if (f.length != 4 || f[0].equals("TYPE")) {
                continue;
            }
            out.add(new CtrPlugin(f[0], f[1], f[2], f[3]));
        }
        return out;
    }

    public static Optional<CtrPlugin> find(List<CtrPlugin> plugins, String type, String id) {
        return plugins.stream().filter(p -> p.type.equals(type) && p.id.equals(id)).findFirst();
    }

    @Override
    public String toString() {
        return type + "." + id + "=" + status;
    }
}
