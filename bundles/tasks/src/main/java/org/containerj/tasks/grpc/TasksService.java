package org.containerj.tasks.grpc;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

import org.containerj.api.containers.Container;
import org.containerj.api.containers.ContainerStore;
import org.containerj.api.containers.TypedValue;
import org.containerj.api.content.NamespacedContentStore;
import org.containerj.api.errdefs.ContainerjException;
import org.containerj.api.errdefs.ErrorKind;
import org.containerj.api.events.EventPublisher;
import org.containerj.api.mount.Mount;
import org.containerj.api.plugin.PluginProperties;
import org.containerj.api.plugin.PluginTypes;
import org.containerj.api.runtime.CreateTaskRequest;
import org.containerj.api.runtime.ExitStatus;
import org.containerj.api.runtime.Process;
import org.containerj.api.runtime.ProcessIO;
import org.containerj.api.runtime.ProcessState;
import org.containerj.api.runtime.Task;
import org.containerj.api.runtime.TaskManager;
import org.containerj.api.snapshots.NamespacedSnapshotters;
import org.containerj.filters.Filter;
import org.containerj.proto.events.TaskCreate;
import org.containerj.proto.events.TaskDelete;
import org.containerj.proto.events.TaskExecAdded;
import org.containerj.proto.events.TaskExecStarted;
import org.containerj.proto.events.TaskIO;
import org.containerj.proto.events.TaskPaused;
import org.containerj.proto.events.TaskResumed;
import org.containerj.proto.events.TaskStart;
import org.containerj.proto.services.tasks.v1.CheckpointTaskRequest;
import org.containerj.proto.services.tasks.v1.CheckpointTaskResponse;
import org.containerj.proto.services.tasks.v1.CloseIORequest;
import org.containerj.proto.services.tasks.v1.CreateTaskResponse;
import org.containerj.proto.services.tasks.v1.DeleteProcessRequest;
import org.containerj.proto.services.tasks.v1.DeleteResponse;
import org.containerj.proto.services.tasks.v1.DeleteTaskRequest;
import org.containerj.proto.services.tasks.v1.ExecProcessRequest;
import org.containerj.proto.services.tasks.v1.GetRequest;
import org.containerj.proto.services.tasks.v1.GetResponse;
import org.containerj.proto.services.tasks.v1.KillRequest;
import org.containerj.proto.services.tasks.v1.ListPidsRequest;
import org.containerj.proto.services.tasks.v1.ListPidsResponse;
import org.containerj.proto.services.tasks.v1.ListTasksRequest;
import org.containerj.proto.services.tasks.v1.ListTasksResponse;
import org.containerj.proto.services.tasks.v1.MetricsRequest;
import org.containerj.proto.services.tasks.v1.MetricsResponse;
import org.containerj.proto.services.tasks.v1.PauseTaskRequest;
import org.containerj.proto.services.tasks.v1.ResizePtyRequest;
import org.containerj.proto.services.tasks.v1.ResumeTaskRequest;
import org.containerj.proto.services.tasks.v1.StartRequest;
import org.containerj.proto.services.tasks.v1.StartResponse;
import org.containerj.proto.services.tasks.v1.TasksGrpc;
import org.containerj.proto.services.tasks.v1.UpdateTaskRequest;
import org.containerj.proto.services.tasks.v1.WaitRequest;
import org.containerj.proto.services.tasks.v1.WaitResponse;
import org.containerj.proto.types.Metric;
import org.containerj.proto.v1.types.ProcessInfo;
import org.containerj.proto.v1.types.Status;
import org.containerj.proto.AnyTypes;
import org.containerj.proto.runc.v1.CheckpointOptions;
import org.containerj.server.GrpcErrors;
import org.containerj.server.RequestLease;
import org.containerj.server.RequestNamespace;
import org.osgi.framework.BundleContext;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.tinylog.Logger;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import com.google.protobuf.Empty;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.Timestamp;

import io.grpc.BindableService;
import io.grpc.stub.StreamObserver;

/**
 * {@code containerd.services.tasks.v1.Tasks} ({@code ctr run}, {@code ctr task ...}) over
 * the {@link TaskManager} services (the runtime plugins), looked up per call by the
 * container's runtime name. Publishes the task events, {@code /tasks/exit} included: every
 * process the service sees gets a callback on its exit.
 */
@Component(service = BindableService.class, property = {
        PluginProperties.TYPE + "=" + PluginTypes.GRPC,
        PluginProperties.ID + "=tasks",
        PluginProperties.REQUIRES + "=" + PluginTypes.RUNTIME + ".task",
        PluginProperties.REQUIRES + "=" + PluginTypes.SERVICE + ".containers-service" })
public class TasksService extends TasksGrpc.TasksImplBase {
    static final String DEFAULT_RUNTIME = "io.containerd.runc.v2";
    private static final Duration DELETE_TIMEOUT = Duration.ofSeconds(10);

    private final BundleContext context;
    private final ContainerStore containers;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private volatile EventPublisher events;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private volatile NamespacedSnapshotters snapshotters;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            target = "(" + PluginProperties.ID + "=content-service)")
    private volatile NamespacedContentStore content;

    @Activate
    public TasksService(BundleContext context, @Reference(name = "containers",
            target = "(" + PluginProperties.ID + "=containers-service)") ContainerStore containers) {
        this.context = context;
        this.containers = containers;
    }

    // ---------------------------------------------------------------- runtimes

    private TaskManager runtime(String name) {
        String filter = "(" + TaskManager.RUNTIME_NAME + "=" + name.replaceAll("([\\\\()*])", "\\\\$1") + ")";
        try {
            Collection<ServiceReference<TaskManager>> refs = context.getServiceReferences(TaskManager.class, filter);
            for (ServiceReference<TaskManager> ref : refs) {
                TaskManager m = context.getService(ref);
                if (m != null) {
                    context.ungetService(ref); // used for this call only; the runtime keeps its own state
                    return m;
                }
            }
        } catch (InvalidSyntaxException e) {
            throw ContainerjException.invalidArgument("runtime %s: invalid name", name);
        }
        throw ContainerjException.notFound("runtime %s not installed", name);
    }

    /** A runtime with the name it serves. */
    record NamedRuntime(String name, TaskManager manager) {
    }

    private List<NamedRuntime> runtimes() {
        List<NamedRuntime> list = new ArrayList<>();
        try {
            for (ServiceReference<TaskManager> ref : context.getServiceReferences(TaskManager.class, null)) {
                TaskManager m = context.getService(ref);
                if (m != null) {
                    context.ungetService(ref);
                    Object name = ref.getProperty(TaskManager.RUNTIME_NAME);
                    list.add(new NamedRuntime(name == null ? "" : name.toString(), m));
                }
            }
        } catch (InvalidSyntaxException e) {
            throw new IllegalStateException(e);
        }
        return list;
    }

    /** The task of a container: through the container's runtime when the container exists, else any runtime's. */
    private Task task(String namespace, String id) {
        if (id == null || id.isEmpty()) {
            throw ContainerjException.invalidArgument("container id must not be empty");
        }
        Container container = null;
        try {
            container = containers.get(namespace, id);
        } catch (ContainerjException e) {
            if (e.kind() != ErrorKind.NOT_FOUND) {
                throw e;
            }
        }
        Task task = null;
        if (container != null) {
            task = runtime(runtimeName(container)).get(namespace, id);
        } else {
            for (NamedRuntime r : runtimes()) {
                try {
                    task = r.manager().get(namespace, id);
                    break;
                } catch (ContainerjException e) {
                    if (e.kind() != ErrorKind.NOT_FOUND) {
                        throw e;
                    }
                }
            }
            if (task == null) {
                throw ContainerjException.notFound("task %s: not found", id);
            }
        }
        return task;
    }

    private static String runtimeName(Container c) {
        String name = c.runtime().name();
        return name.isEmpty() ? DEFAULT_RUNTIME : name;
    }

    private Process process(String namespace, String id, String execId) {
        Task task = task(namespace, id);
        if (execId == null || execId.isEmpty()) {
            return task;
        }
        Process p = task.process(execId);
        return p;
    }

    // ---------------------------------------------------------------- Tasks

    @Override
    public void create(org.containerj.proto.services.tasks.v1.CreateTaskRequest request,
            StreamObserver<CreateTaskResponse> observer) {
        String namespace = RequestNamespace.current();
        String id = request.getContainerId();
        if (id.isEmpty()) {
            throw ContainerjException.invalidArgument("container id must not be empty");
        }
        Container container = containers.get(namespace, id);
        TaskManager runtime = runtime(runtimeName(container));
        if (container.spec() == null || container.spec().value().length == 0) {
            throw ContainerjException.invalidArgument("container %s has no spec", id);
        }
        List<Mount> rootfs = new ArrayList<>();
        for (org.containerj.proto.types.Mount m : request.getRootfsList()) {
            rootfs.add(new Mount(m.getType(), m.getSource(), m.getTarget(), m.getOptionsList()));
        }
        if (rootfs.isEmpty() && !container.snapshotter().isEmpty() && !container.snapshotKey().isEmpty()) {
            NamespacedSnapshotters s = snapshotters;
            if (s == null) {
                throw ContainerjException.unavailable("snapshots service not available for the rootfs of %s", id);
            }
            rootfs.addAll(s.forNamespace(container.snapshotter(), namespace).mounts(container.snapshotKey()));
        }
        String optionsType = "";
        byte[] options = new byte[0];
        if (request.hasOptions()) {
            optionsType = request.getOptions().getTypeUrl();
            options = request.getOptions().getValue().toByteArray();
        } else if (container.runtime().options() != null) {
            TypedValue o = container.runtime().options();
            optionsType = o.typeUrl();
            options = o.value();
        }
        ProcessIO io = new ProcessIO(request.getStdin(), request.getStdout(), request.getStderr(),
                request.getTerminal());
        String checkpoint = request.hasCheckpoint() ? request.getCheckpoint().getDigest() : null;
        Task task = runtime.create(new CreateTaskRequest(namespace, id, container.spec().value(), rootfs, io,
                optionsType, options, checkpoint));
        int pid = task.pid(); // not state(): that would run runc state
        TaskCreate.Builder event = TaskCreate.newBuilder().setContainerId(id).setPid(pid)
                .setIo(TaskIO.newBuilder().setStdin(io.stdin()).setStdout(io.stdout()).setStderr(io.stderr())
                        .setTerminal(io.terminal()))
                .addAllRootfs(request.getRootfsList());
        if (checkpoint != null) {
            event.setCheckpoint(checkpoint);
        }
        publish(namespace, "/tasks/create", event.build());
        observer.onNext(CreateTaskResponse.newBuilder().setContainerId(id).setPid(pid).build());
        observer.onCompleted();
    }

    @Override
    public void start(StartRequest request, StreamObserver<StartResponse> observer) {
        String namespace = RequestNamespace.current();
        Process p = process(namespace, request.getContainerId(), request.getExecId());
        p.start();
        int pid = p.pid();
        if (request.getExecId().isEmpty()) {
            publish(namespace, "/tasks/start", TaskStart.newBuilder().setContainerId(request.getContainerId())
                    .setPid(pid).build());
        } else {
            publish(namespace, "/tasks/exec-started", TaskExecStarted.newBuilder()
                    .setContainerId(request.getContainerId()).setExecId(request.getExecId()).setPid(pid).build());
        }
        observer.onNext(StartResponse.newBuilder().setPid(pid).build());
        observer.onCompleted();
    }

    @Override
    public void delete(DeleteTaskRequest request, StreamObserver<DeleteResponse> observer) {
        String namespace = RequestNamespace.current();
        Task task = task(namespace, request.getContainerId());
        ExitStatus exit = task.delete(DELETE_TIMEOUT);
        observer.onNext(deleted(namespace, request.getContainerId(), "", exit));
        observer.onCompleted();
    }

    @Override
    public void deleteProcess(DeleteProcessRequest request, StreamObserver<DeleteResponse> observer) {
        if (request.getExecId().isEmpty()) {
            throw ContainerjException.invalidArgument("exec id must not be empty");
        }
        String namespace = RequestNamespace.current();
        Process p = process(namespace, request.getContainerId(), request.getExecId());
        ExitStatus exit = p.delete(DELETE_TIMEOUT);
        observer.onNext(deleted(namespace, request.getContainerId(), request.getExecId(), exit));
        observer.onCompleted();
    }

    private DeleteResponse deleted(String namespace, String containerId, String execId, ExitStatus exit) {
        Timestamp at = timestamp(exit.exitedAt());
        publish(namespace, "/tasks/delete", TaskDelete.newBuilder().setContainerId(containerId).setPid(exit.pid())
                .setExitStatus(exit.code()).setExitedAt(at).setId(execId.isEmpty() ? containerId : execId).build());
        return DeleteResponse.newBuilder().setId(execId.isEmpty() ? containerId : execId).setPid(exit.pid())
                .setExitStatus(exit.code()).setExitedAt(at).build();
    }

    @Override
    public void get(GetRequest request, StreamObserver<GetResponse> observer) {
        Process p = process(RequestNamespace.current(), request.getContainerId(), request.getExecId());
        observer.onNext(GetResponse.newBuilder().setProcess(toProto(request.getContainerId(), p.state())).build());
        observer.onCompleted();
    }

    /**
     * The tasks of the namespace, filtered with containerd's filter syntax on {@link TaskFields}
     * (containerd 1.6 and 1.7 ignore the filter and list everything; an empty one does so here).
     */
    @Override
    public void list(ListTasksRequest request, StreamObserver<ListTasksResponse> observer) {
        String namespace = RequestNamespace.current();
        Filter filter = Filter.parse(List.of(request.getFilter()));
        ListTasksResponse.Builder response = ListTasksResponse.newBuilder();
        for (NamedRuntime r : runtimes()) {
            for (Task t : r.manager().tasks(namespace)) {
                try {
                    ProcessState state = t.state();
                    if (filter.matches(TaskFields.of(t, r.name(), state))) {
                        response.addTasks(toProto(t.id(), state));
                    }
                } catch (ContainerjException e) {
                    Logger.tag("tasks").debug("task {} left out of the list: {}", t.id(), e.getMessage());
                }
            }
        }
        observer.onNext(response.build());
        observer.onCompleted();
    }

    @Override
    public void kill(KillRequest request, StreamObserver<Empty> observer) {
        Process p = process(RequestNamespace.current(), request.getContainerId(), request.getExecId());
        p.kill(request.getSignal(), request.getAll());
        observer.onNext(Empty.getDefaultInstance());
        observer.onCompleted();
    }

    @Override
    public void exec(ExecProcessRequest request, StreamObserver<Empty> observer) {
        String namespace = RequestNamespace.current();
        if (request.getExecId().isEmpty()) {
            throw ContainerjException.invalidArgument("exec id must not be empty");
        }
        if (!request.hasSpec()) {
            throw ContainerjException.invalidArgument("exec %s: process spec missing", request.getExecId());
        }
        Task task = task(namespace, request.getContainerId());
        Process p = task.exec(request.getExecId(), request.getSpec().getValue().toByteArray(),
                new ProcessIO(request.getStdin(), request.getStdout(), request.getStderr(), request.getTerminal()));
        publish(namespace, "/tasks/exec-added", TaskExecAdded.newBuilder().setContainerId(request.getContainerId())
                .setExecId(request.getExecId()).build());
        observer.onNext(Empty.getDefaultInstance());
        observer.onCompleted();
    }

    @Override
    public void resizePty(ResizePtyRequest request, StreamObserver<Empty> observer) {
        Process p = process(RequestNamespace.current(), request.getContainerId(), request.getExecId());
        p.resizePty(request.getWidth(), request.getHeight());
        observer.onNext(Empty.getDefaultInstance());
        observer.onCompleted();
    }

    @Override
    public void closeIO(CloseIORequest request, StreamObserver<Empty> observer) {
        Process p = process(RequestNamespace.current(), request.getContainerId(), request.getExecId());
        if (request.getStdin()) {
            p.closeStdin();
        }
        observer.onNext(Empty.getDefaultInstance());
        observer.onCompleted();
    }

    @Override
    public void pause(PauseTaskRequest request, StreamObserver<Empty> observer) {
        String namespace = RequestNamespace.current();
        task(namespace, request.getContainerId()).pause();
        publish(namespace, "/tasks/paused", TaskPaused.newBuilder().setContainerId(request.getContainerId()).build());
        observer.onNext(Empty.getDefaultInstance());
        observer.onCompleted();
    }

    @Override
    public void resume(ResumeTaskRequest request, StreamObserver<Empty> observer) {
        String namespace = RequestNamespace.current();
        task(namespace, request.getContainerId()).resume();
        publish(namespace, "/tasks/resumed", TaskResumed.newBuilder().setContainerId(request.getContainerId())
                .build());
        observer.onNext(Empty.getDefaultInstance());
        observer.onCompleted();
    }

    @Override
    public void listPids(ListPidsRequest request, StreamObserver<ListPidsResponse> observer) {
        ListPidsResponse.Builder response = ListPidsResponse.newBuilder();
        for (int pid : task(RequestNamespace.current(), request.getContainerId()).pids()) {
            response.addProcesses(ProcessInfo.newBuilder().setPid(pid));
        }
        observer.onNext(response.build());
        observer.onCompleted();
    }

    @Override
    public void checkpoint(CheckpointTaskRequest request, StreamObserver<CheckpointTaskResponse> observer) {
        String namespace = RequestNamespace.current();
        String id = request.getContainerId();
        Container container = containers.get(namespace, id);
        Task task = task(namespace, id);
        String imagePath = "";
        boolean exit = false;
        if (request.hasOptions()) {
            try {
                CheckpointOptions o = AnyTypes.unpack(request.getOptions(), CheckpointOptions.getDefaultInstance());
                imagePath = o.getImagePath();
                exit = o.getExit();
            } catch (InvalidProtocolBufferException e) {
                throw ContainerjException.invalidArgument("invalid task checkpoint option for %s: %s",
                        runtimeName(container), e.getMessage());
            }
        }
        CheckpointTaskResponse.Builder response = CheckpointTaskResponse.newBuilder();
        if (!imagePath.isEmpty()) {
            // the client keeps the image where it asked for it; nothing goes to the content store
            task.checkpoint(imagePath, exit);
        } else {
            NamespacedContentStore store = content;
            if (store == null) {
                throw ContainerjException.unavailable("content store not available for the checkpoint of %s", id);
            }
            Path image = null;
            try {
                image = Files.createTempDirectory("containerj-checkpoint-");
                task.checkpoint(image.toString(), exit);
                response.addAllDescriptors(CheckpointImage.store(store.forNamespace(namespace, RequestLease.current()),
                        "checkpoint-" + id + "-" + System.nanoTime(), image, container.spec()));
            } catch (IOException e) {
                throw new ContainerjException(ErrorKind.UNKNOWN, "checkpoint of " + id + ": " + e.getMessage(), e);
            } finally {
                deleteTree(image);
            }
        }
        observer.onNext(response.build());
        observer.onCompleted();
    }

    private static void deleteTree(Path dir) {
        if (dir == null) {
            return;
        }
        try (var walk = Files.walk(dir)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException | java.io.UncheckedIOException e) {
            Logger.tag("tasks").warn("temporary checkpoint {} not removed: {}", dir, e.getMessage());
        }
    }

    @Override
    public void update(UpdateTaskRequest request, StreamObserver<Empty> observer) {
        Task task = task(RequestNamespace.current(), request.getContainerId());
        if (!request.hasResources()) {
            throw ContainerjException.invalidArgument("update of task %s: no resources", request.getContainerId());
        }
        task.update(request.getResources().getValue().toByteArray());
        observer.onNext(Empty.getDefaultInstance());
        observer.onCompleted();
    }

    /**
     * The cgroup statistics of the namespace's tasks that match the filters (fields {@code id},
     * {@code namespace}, {@code runtime}), as containerd collects them: a task whose statistics
     * are not found (deleted meanwhile) is left out silently, any other failure is logged and
     * left out too.
     */
    @Override
    public void metrics(MetricsRequest request, StreamObserver<MetricsResponse> observer) {
        String namespace = RequestNamespace.current();
        Filter filter = Filter.parse(request.getFiltersList());
        MetricsResponse.Builder response = MetricsResponse.newBuilder();
        for (NamedRuntime r : runtimes()) {
            for (Task t : r.manager().tasks(namespace)) {
                if (!filter.matches(TaskFields.of(t, r.name(), null))) {
                    continue;
                }
                Instant collected = Instant.now();
                try {
                    Task.Metrics m = t.metrics();
                    response.addMetrics(Metric.newBuilder().setTimestamp(timestamp(collected)).setId(t.id())
                            .setData(Any.newBuilder().setTypeUrl(m.typeUrl()).setValue(ByteString.copyFrom(m.data()))));
                } catch (ContainerjException e) {
                    if (e.kind() != ErrorKind.NOT_FOUND) {
                        Logger.tag("tasks").error("collecting metrics for {}: {}", t.id(), e.getMessage());
                    }
                }
            }
        }
        observer.onNext(response.build());
        observer.onCompleted();
    }

    /** Replies once the process has exited, without holding a thread meanwhile. */
    @Override
    public void wait(WaitRequest request, StreamObserver<WaitResponse> observer) {
        Process p = process(RequestNamespace.current(), request.getContainerId(), request.getExecId());
        p.exit().whenComplete((exit, failure) -> {
            try {
                if (failure != null) {
                    observer.onError(GrpcErrors.toStatus(failure instanceof java.util.concurrent.CompletionException c
                            && c.getCause() != null ? c.getCause() : failure));
                } else {
                    observer.onNext(WaitResponse.newBuilder().setExitStatus(exit.code())
                            .setExitedAt(timestamp(exit.exitedAt())).build());
                    observer.onCompleted();
                }
            } catch (RuntimeException clientGone) {
                Logger.tag("tasks").debug("wait {}: {}", request.getContainerId(), clientGone.getMessage());
            }
        });
    }

    // ---------------------------------------------------------------- helpers

    private static org.containerj.proto.v1.types.Process toProto(String containerId, ProcessState s) {
        Status status = Status.forNumber(s.status().wire());
        org.containerj.proto.v1.types.Process.Builder b = org.containerj.proto.v1.types.Process.newBuilder()
                .setContainerId(containerId).setId(s.id()).setPid(Math.max(0, s.pid()))
                .setStatus(status == null ? Status.UNKNOWN : status)
                .setStdin(s.stdin()).setStdout(s.stdout()).setStderr(s.stderr()).setTerminal(s.terminal());
        if (s.exit() != null) {
            b.setExitStatus(s.exit().code());
            if (s.exit().exitedAt() != null) {
                b.setExitedAt(timestamp(s.exit().exitedAt()));
            }
        }
        return b.build();
    }

    private static Timestamp timestamp(Instant t) {
        if (t == null) {
            return Timestamp.getDefaultInstance();
        }
        return Timestamp.newBuilder().setSeconds(t.getEpochSecond()).setNanos(t.getNano()).build();
    }

    private void publish(String namespace, String topic, Message event) {
        EventPublisher publisher = events;
        if (publisher != null) {
            try {
                publisher.publish(namespace, topic, event.getDescriptorForType().getFullName(), event.toByteArray());
            } catch (RuntimeException e) {
                Logger.tag("tasks").warn("event {} not published: {}", topic, e.getMessage());
            }
        }
    }
}
