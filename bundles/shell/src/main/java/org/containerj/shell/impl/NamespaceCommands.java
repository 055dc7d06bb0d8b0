package org.containerj.shell.impl;

import org.containerj.api.namespaces.Namespace;
import org.containerj.api.namespaces.NamespaceStore;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * {@code namespaces}, {@code namespace-create NAME [key=value...]} and
 * {@code namespace-remove NAME}, on the {@link NamespaceStore}.
 *
 * <p>Gogo cannot map a function name with a dash to a Java method, so all three go
 * through {@code _main}, which Gogo calls with the function name as the first argument.
 */
@Component(service = NamespaceCommands.class, property = {
        "osgi.command.scope=containerj",
        "osgi.command.function=namespaces",
        "osgi.command.function=namespace-create",
        "osgi.command.function=namespace-remove"})
public final class NamespaceCommands {

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile NamespaceStore store;

    public NamespaceCommands() {
    }

    /** For tests. */
    NamespaceCommands(NamespaceStore store) {
        this.store = store;
    }

    public String _main(String... argv) {
        String command = argv.length == 0 ? "" : argv[0];
        List<String> args = Arrays.asList(argv).subList(Math.min(1, argv.length), argv.length);
        return switch (command) {
            case "namespaces" -> list(args);
            case "namespace-create" -> create(args);
            case "namespace-remove" -> remove(args);
            default -> throw new IllegalArgumentException("unknown command " + command);
        };
    }

    private String list(List<String> args) {
        if (!args.isEmpty()) {
            throw new IllegalArgumentException("usage: namespaces");
        }
        Table t = new Table("NAME", "LABELS");
        for (Namespace ns : store().list()) {
            t.row(ns.name(), ns.labels().entrySet().stream()
                    .map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(",")));
        }
        return t.toString();
    }

    private String create(List<String> args) {
        if (args.isEmpty()) {
            throw new IllegalArgumentException("usage: namespace-create NAME [key=value...]");
        }
        Map<String, String> labels = new LinkedHashMap<>();
        for (String kv : args.subList(1, args.size())) {
            int eq = kv.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("label " + kv + " is not key=value");
            }
            labels.put(kv.substring(0, eq), kv.substring(eq + 1));
        }
        store().create(args.get(0), labels);
        return null;
    }

    private String remove(List<String> args) {
        if (args.size() != 1) {
            throw new IllegalArgumentException("usage: namespace-remove NAME");
        }
        store().delete(args.get(0));
        return args.get(0);
    }

    private NamespaceStore store() {
        NamespaceStore s = store;
        if (s == null) {
            throw new IllegalStateException("the namespace store is not available"
                    + " (plugin io.containerd.service.v1.namespaces-service)");
        }
        return s;
    }
}
