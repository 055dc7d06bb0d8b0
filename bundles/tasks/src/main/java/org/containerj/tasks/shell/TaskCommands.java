package org.containerj.tasks.shell;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;

import org.containerj.api.errdefs.ContainerjException;
import org.containerj.api.errdefs.ErrorKind;
import org.containerj.api.namespaces.Namespace;
import org.containerj.api.namespaces.NamespaceStore;
import org.containerj.api.runtime.ProcessState;
import org.containerj.api.runtime.Task;
import org.containerj.api.runtime.TaskManager;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.FieldOption;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;

/**
 * Gogo commands on the runtimes' tasks, for administrators on the daemon's shell:
 * <ul>
 * <li>{@code tasks [-n NAMESPACE]}: every task (of every namespace without {@code -n}) with
 * its pid, status, exit code and the host pids of its processes;</li>
 * <li>{@code task-kill [-n NAMESPACE] [-s SIGNAL] [-a] ID [EXEC_ID]}: signals a task
 * (SIGTERM unless told; names with or without SIG, or numbers), {@code -a} every process;</li>
 * <li>{@code task-metrics [-n NAMESPACE] ID}: the task's cgroup statistics, as ctr shows them.</li>
 * </ul>
 * The namespace defaults to {@code default}, as with ctr. Gogo cannot map a function name
 * with a dash to a method, so all go through {@code _main}, which Gogo calls with the
 * function name first.
 */
@Component(service = TaskCommands.class, property = {
        "osgi.command.scope=containerj",
        "osgi.command.function=tasks",
        "osgi.command.function=task-kill",
        "osgi.command.function=task-metrics"})
public final class TaskCommands {
    private static final Map<String, Integer> SIGNALS = Map.ofEntries(Map.entry("HUP", 1), Map.entry("INT", 2),
            Map.entry("QUIT", 3), Map.entry("KILL", 9), Map.entry("USR1", 10), Map.entry("USR2", 12),
            Map.entry("TERM", 15), Map.entry("CONT", 18), Map.entry("STOP", 19));

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY, fieldOption = FieldOption.UPDATE)
    private final List<TaskManager> runtimes = new CopyOnWriteArrayList<>();

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile NamespaceStore namespaces;

    public TaskCommands() {
    }

    /** For tests. */
    TaskCommands(List<TaskManager> runtimes, NamespaceStore namespaces) {
        this.runtimes.addAll(runtimes);
        this.namespaces = namespaces;
    }

    public String _main(String... argv) {
        String command = argv.length == 0 ? "" : argv[0];
        Args args = new Args(Arrays.asList(argv).subList(Math.min(1, argv.length), argv.length));
        return switch (command) {
            case "tasks" -> list(args);
            case "task-kill" -> kill(args);
            case "task-metrics" -> metrics(args);
            default -> throw new IllegalArgumentException("unknown command " + command);
        };
    }

    private String list(Args args) {
        args.done(0, "tasks [-n NAMESPACE]");
        List<String> nss = new ArrayList<>();
        if (args.namespace != null) {
            nss.add(args.namespace);
        } else {
            NamespaceStore store = namespaces;
            if (store == null) {
                throw new IllegalStateException("the namespace store is not available: give -n NAMESPACE");
            }
            store.list().stream().map(Namespace::name).forEach(nss::add);
        }
        Columns t = new Columns("NAMESPACE", "TASK", "PID", "STATUS", "EXIT", "PROCESSES");
        for (String ns : nss) {
            for (TaskManager m : runtimes) {
                for (Task task : m.tasks(ns)) {
                    ProcessState s;
                    try {
                        s = task.state();
                    } catch (ContainerjException e) {
                        continue; // deleted meanwhile
                    }
                    String pids;
                    try {
                        pids = task.pids().stream().map(String::valueOf).collect(Collectors.joining(","));
                    } catch (ContainerjException e) {
                        pids = "";
                    }
                    t.row(ns, task.id(), Integer.toString(s.pid()), s.status().name(),
                            s.exit() == null ? "" : Integer.toString(s.exit().code()), pids.isEmpty() ? "-" : pids);
                }
            }
        }
        return t.toString();
    }

    private String kill(Args args) {
        List<String> rest = args.done(-1, "task-kill [-n NAMESPACE] [-s SIGNAL] [-a] ID [EXEC_ID]");
        if (rest.isEmpty() || rest.size() > 2) {
            throw new IllegalArgumentException("usage: task-kill [-n NAMESPACE] [-s SIGNAL] [-a] ID [EXEC_ID]");
        }
        Task task = find(args.namespace(), rest.get(0));
        int signal = signal(args.signal == null ? "TERM" : args.signal);
        if (rest.size() == 2) {
            task.process(rest.get(1)).kill(signal, args.all);
        } else {
            task.kill(signal, args.all);
        }
        return null;
    }

    private String metrics(Args args) {
        List<String> rest = args.done(1, "task-metrics [-n NAMESPACE] ID");
        return MetricsTable.of(find(args.namespace(), rest.get(0)).metrics());
    }

    private Task find(String namespace, String id) {
        for (TaskManager m : runtimes) {
            try {
                return m.get(namespace, id);
            } catch (ContainerjException e) {
                if (e.kind() != ErrorKind.NOT_FOUND) {
                    throw e;
                }
            }
        }
        throw ContainerjException.notFound("task %s in namespace %s: not found", id, namespace);
    }

    static int signal(String s) {
        String name = s.toUpperCase(Locale.ROOT);
        name = name.startsWith("SIG") ? name.substring(3) : name;
        Integer n = SIGNALS.get(name);
        if (n != null) {
            return n;
        }
        try {
            int v = Integer.parseInt(s);
            if (v > 0 && v < 65) {
                return v;
            }
        } catch (NumberFormatException notANumber) {
            // reported below
        }
        throw new IllegalArgumentException("unknown signal " + s);
    }

    /** The options {@code -n NS}, {@code -s SIG}, {@code -a}, then the positional arguments. */
    private static final class Args {
        String namespace;
        String signal;
        boolean all;
        final List<String> positional = new ArrayList<>();

        Args(List<String> argv) {
            for (int i = 0; i < argv.size(); i++) {
                String a = argv.get(i);
                switch (a) {
                    case "-n", "--namespace" -> namespace = value(argv, ++i, a);
                    case "-s", "--signal" -> signal = value(argv, ++i, a);
                    case "-a", "--all" -> all = true;
                    default -> positional.add(a);
                }
            }
        }

        private static String value(List<String> argv, int i, String option) {
            if (i >= argv.size()) {
                throw new IllegalArgumentException(option + " needs a value");
            }
            return argv.get(i);
        }

        String namespace() {
            return namespace == null ? "default" : namespace;
        }

        /** The positional arguments, {@code count} of them (-1: any number). */
        List<String> done(int count, String usage) {
            if (count >= 0 && positional.size() != count) {
                throw new IllegalArgumentException("usage: " + usage);
            }
            return positional;
        }
    }
}
