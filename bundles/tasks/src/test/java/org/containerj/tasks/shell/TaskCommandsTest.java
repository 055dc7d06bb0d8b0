package org.containerj.tasks.shell;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import org.containerj.api.errdefs.ContainerjException;
import org.containerj.api.errdefs.ErrorKind;
import org.containerj.api.namespaces.Namespace;
import org.containerj.api.namespaces.NamespaceStore;
import org.containerj.api.runtime.CreateTaskRequest;
import org.containerj.api.runtime.ExitStatus;
import org.containerj.api.runtime.Process;
import org.containerj.api.runtime.ProcessIO;
import org.containerj.api.runtime.ProcessState;
import org.containerj.api.runtime.ProcessStatus;
import org.containerj.api.runtime.Task;
import org.containerj.api.runtime.TaskManager;
import org.containerj.proto.cgroups.v1.CPUStat;
import org.containerj.proto.cgroups.v1.CPUUsage;
import org.containerj.proto.cgroups.v1.MemoryEntry;
import org.containerj.proto.cgroups.v1.MemoryStat;
import org.containerj.proto.cgroups.v1.Metrics;
import org.containerj.proto.cgroups.v1.PidsStat;
import org.junit.jupiter.api.Test;

/** The shell commands over a runtime stand-in (the real runtime is exercised by the ITs). */
class TaskCommandsTest {
    private final List<String> kills = new ArrayList<>();

    private final class FakeTask implements Task {
        final String ns;
        final String id;
        final ProcessState state;

        FakeTask(String ns, String id, ProcessStatus status, ExitStatus exit) {
            this.ns = ns;
            this.id = id;
            this.state = new ProcessState(id, 42, status, "", "", "", false, exit);
        }

        @Override
        public String id() {
            return id;
        }

        @Override
        public String namespace() {
            return ns;
        }

        @Override
        public ProcessState state() {
            return state;
        }

        @Override
        public void start() {
        }

        @Override
        public void kill(int signal, boolean all) {
            kills.add(ns + "/" + id + " " + signal + (all ? " all" : ""));
        }

        @Override
        public void resizePty(int width, int height) {
        }

        @Override
        public void closeStdin() {
        }

        @Override
        public CompletionStage<ExitStatus> exit() {
            return new CompletableFuture<>();
        }

        @Override
        public ExitStatus delete(Duration timeout) {
            return null;
        }

        @Override
        public Process exec(String execId, byte[] spec, ProcessIO io) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Process process(String execId) {
            throw ContainerjException.notFound("process %s: not found", execId);
        }

        @Override
        public List<Integer> pids() {
            return state.status() == ProcessStatus.RUNNING ? List.of(42, 43) : List.of();
        }

        @Override
        public void pause() {
        }

        @Override
        public void resume() {
        }

        @Override
        public void update(byte[] resourcesJson) {
        }

        @Override
        public Metrics metrics() {
            return new Metrics("io.containerd.cgroups.v1.Metrics", org.containerj.proto.cgroups.v1.Metrics.newBuilder()
                    .setPids(PidsStat.newBuilder().setCurrent(2))
                    .setCpu(CPUStat.newBuilder().setUsage(CPUUsage.newBuilder().setTotal(99).addPerCpu(40).addPerCpu(59)))
                    .setMemory(MemoryStat.newBuilder().setCache(5).setUsage(MemoryEntry.newBuilder().setUsage(1000)
                            .setLimit(-1L)))
                    .build().toByteArray());
        }

        @Override
        public void checkpoint(String path, boolean exit) {
        }
    }

    private final List<Task> tasks = List.of(new FakeTask("default", "web", ProcessStatus.RUNNING, null),
            new FakeTask("other", "job", ProcessStatus.STOPPED, new ExitStatus(42, 3, Instant.EPOCH)));

    private final TaskManager runtime = new TaskManager() {
        @Override
        public Task create(CreateTaskRequest request) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Task get(String namespace, String id) {
            return tasks.stream().filter(t -> t.namespace().equals(namespace) && t.id().equals(id)).findFirst()
                    .orElseThrow(() -> ContainerjException.notFound("task %s: not found", id));
        }

        @Override
        public List<Task> tasks(String namespace) {
            return tasks.stream().filter(t -> t.namespace().equals(namespace)).toList();
        }
    };

    private final NamespaceStore namespaces = new NamespaceStore() {
        @Override
        public Namespace create(String name, Map<String, String> labels) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Namespace get(String name) {
            throw new UnsupportedOperationException();
        }

        @Override
        public List<Namespace> list() {
            return List.of(new Namespace("default", Map.of()), new Namespace("other", Map.of()));
        }

        @Override
        public Namespace setLabel(String name, String key, String value) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Namespace update(String name, Map<String, String> labels, List<String> fieldPaths) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void delete(String name) {
            throw new UnsupportedOperationException();
        }
    };

    private final TaskCommands commands = new TaskCommands(List.of(runtime), namespaces);

    @Test
    void tasksOfEveryNamespaceOrOne() {
        assertEquals("""
                NAMESPACE  TASK  PID  STATUS   EXIT  PROCESSES
                default    web   42   RUNNING        42,43
                other      job   42   STOPPED  3     -
                """, commands._main("tasks"));
        String one = commands._main("tasks", "-n", "other");
        assertTrue(one.contains("job") && !one.contains("web"), one);
    }

    @Test
    void killWithSignalNamesAndNumbers() {
        assertEquals(null, commands._main("task-kill", "web"));
        commands._main("task-kill", "-s", "SIGKILL", "-a", "web");
        commands._main("task-kill", "-n", "other", "-s", "usr1", "job");
        commands._main("task-kill", "-s", "2", "web");
        assertEquals(List.of("default/web 15", "default/web 9 all", "other/job 10", "default/web 2"), kills);
        assertEquals(ErrorKind.NOT_FOUND, assertThrows(ContainerjException.class,
                () -> commands._main("task-kill", "job")).kind(), "job is not in default");
        assertThrows(IllegalArgumentException.class, () -> commands._main("task-kill", "-s", "NOPE", "web"));
        assertThrows(IllegalArgumentException.class, () -> commands._main("task-kill"));
        assertThrows(IllegalArgumentException.class, () -> commands._main("task-kill", "-n"));
    }

    @Test
    void metricsAsCtrShowsThem() {
        String table = commands._main("task-metrics", "web");
        assertTrue(table.startsWith("METRIC"), table);
        assertTrue(table.contains("memory.usage_in_bytes        1000\n"), table);
        assertTrue(table.contains("memory.limit_in_bytes        18446744073709551615\n"), table);
        assertTrue(table.contains("cpuacct.usage_percpu         [40 59]\n"), table);
        assertTrue(table.contains("pids.current                 2\n"), table);
        assertThrows(IllegalArgumentException.class, () -> commands._main("task-metrics"));
    }
}
