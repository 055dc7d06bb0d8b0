package org.containerj.runtime.runc.impl;

import static java.nio.file.StandardWatchEventKinds.ENTRY_CREATE;
import static java.nio.file.StandardWatchEventKinds.ENTRY_MODIFY;
import static java.nio.file.StandardWatchEventKinds.OVERFLOW;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

import org.containerj.api.errdefs.ContainerjException;
import org.containerj.api.errdefs.ErrorKind;
import org.containerj.api.identifiers.Identifiers;
import org.containerj.api.mount.Mounter;
import org.containerj.api.runtime.CreateTaskRequest;
import org.containerj.api.runtime.ExitStatus;
import org.containerj.api.runtime.ProcessIO;
import org.containerj.api.runtime.Task;
import org.containerj.api.runtime.TaskManager;
import org.tinylog.Logger;

/**
 * The tasks of the runc runtime, kept in {@code base} (normally
 * {@code <containerj.state>/io.containerd.runtime.v2.task/}): one directory per namespace
 * holding one bundle directory per task, the namespace's runc state directory
 * {@code .runc/} and its exit directory {@code .exits/}, where every task's conmon writes
 * the exit code into a file named after the container.
 *
 * <p>Nothing about a task lives only in memory: a manager opened on the same directory
 * (after a restart of the daemon, even a SIGKILL) finds every task again, running ones
 * through their conmon, exited ones through their exit file. One daemon thread watches the
 * exit directories and, every few seconds, looks after tasks whose monitor disappeared.
 */
final class RuncTaskManager implements TaskManager, AutoCloseable {
    static final String RUNTIME = "io.containerd.runc.v2";
    private static final Duration RECHECK = Duration.ofSeconds(2);
    private static final AtomicInteger INSTANCES = new AtomicInteger();

    /** Where runc and conmon are, and how long their commands may take. */
    record Settings(String runc, String conmon, Duration commandTimeout, Duration createTimeout) {
        static Settings defaults() {
            return new Settings("/usr/sbin/runc", "/usr/bin/conmon", Duration.ofSeconds(30), Duration.ofSeconds(60));
        }
    }

    private final Path base;
    private final Mounter mounter;
    private final Settings settings;
    private final TaskEvents events;
    private final CgroupHierarchy cgroups = CgroupHierarchy.host();
    private final Conmon conmon;
    private final WatchService watcher;
    private final Thread watchThread;
    private final Map<String, RuncTask> tasks = new ConcurrentHashMap<>();
    /** Keys of tasks being created or deleted: a second create of the same id fails at once. */
    private final Map<String, Boolean> busy = new ConcurrentHashMap<>();
    /** What each watched directory's events are for: a namespace's exits, or one exec's. */
    private final Map<WatchKey, Consumer<Path>> watched = new ConcurrentHashMap<>();
    private final Set<String> watchedNamespaces = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    RuncTaskManager(Path base, Mounter mounter, Settings settings) throws IOException {
        this(base, mounter, settings, TaskEvents.NONE);
    }

    RuncTaskManager(Path base, Mounter mounter, Settings settings, TaskEvents events) throws IOException {
        this.base = Files.createDirectories(base);
        this.mounter = mounter;
        this.settings = settings;
        this.events = events;
        int n = INSTANCES.incrementAndGet();
        this.conmon = new Conmon(settings.conmon(), settings.createTimeout());
        this.watcher = base.getFileSystem().newWatchService();
        recover();
        this.watchThread = new Thread(this::watch, "containerj-runc-exits-" + n);
        watchThread.setDaemon(true);
        watchThread.start();
    }

    private static String key(String namespace, String id) {
        return namespace + "/" + id;
    }

    TaskEvents events() {
        return events;
    }

    CgroupHierarchy cgroups() {
        return cgroups;
    }

    private Runc runc(String namespace) {
        return new Runc(settings.runc(), TaskDir.runcRoot(base, namespace), settings.commandTimeout());
    }

    // ---------------------------------------------------------------- recovery

    /** Finds the tasks in {@code base}: exited ones with their exit, running ones to watch. */
    private void recover() throws IOException {
        try (DirectoryStream<Path> namespaces = Files.newDirectoryStream(base, Files::isDirectory)) {
            for (Path ns : namespaces) {
                String namespace = ns.getFileName().toString();
                if (!Identifiers.isValid(namespace)) {
                    continue;
                }
                watchExits(namespace);
                try (DirectoryStream<Path> ids = Files.newDirectoryStream(ns, Files::isDirectory)) {
                    for (Path d : ids) {
                        String id = d.getFileName().toString();
                        if (Identifiers.isValid(id)) {
                            recover(namespace, id);
                        }
                    }
                }
            }
        }
    }

    private void recover(String namespace, String id) {
        TaskDir dir = TaskDir.of(base, namespace, id);
        ProcessIO io = dir.readIO();
        if (io == null) {
            // The daemon died while creating it, before conmon was started: undo what was done.
            Logger.tag("runtime").warn("task {}/{}: creation was interrupted, removing {}", namespace, id,
                    dir.bundle());
            try {
                removeRemains(dir, runc(namespace));
            } catch (IOException | RuntimeException e) {
                Logger.tag("runtime").warn(e, "task {}/{}: removing the remains failed", namespace, id);
            }
            return;
        }
        RuncTask task = new RuncTask(this, dir, runc(namespace), conmon, io);
        task.checkExit();
        task.startTerminal();
        task.recoverExecs();
        tasks.put(key(namespace, id), task);
        Logger.tag("runtime").info("task {}/{} found {}", namespace, id,
                task.hasExited() ? "exited" : "running");
    }

    // ---------------------------------------------------------------- exits

    private void watchExits(String namespace) throws IOException {
        Path exits = Files.createDirectories(TaskDir.exitDir(base, namespace));
        if (watchedNamespaces.add(namespace)) {
            watched.put(exits.register(watcher, ENTRY_CREATE, ENTRY_MODIFY), file -> {
                RuncTask t = tasks.get(key(namespace, file.toString()));
                if (t != null) {
                    t.checkExit();
                }
            });
        }
    }

    /** Watches a started exec's exit directory (its key goes away with the directory). */
    void watchExec(RuncExec exec) {
        try {
            watched.put(exec.dir().exitDir().register(watcher, ENTRY_CREATE, ENTRY_MODIFY), file -> exec.checkExit());
        } catch (IOException | ClosedWatchServiceException e) {
            Logger.tag("runtime").warn("watching {}: {} (found by the periodic check instead)", exec.dir().exitDir(),
                    e.toString());
        }
        exec.checkExit();
    }

    /** The periodic check: exits and OOMs no event told of, and announcements that could not go out yet. */
    void checkAll() {
        for (RuncTask t : tasks.values()) {
            try {
                t.checkOom();
                t.checkExit();
                t.announcePending();
                for (RuncExec x : t.execs()) {
                    x.checkExit();
                    x.announcePending();
                }
            } catch (RuntimeException e) {
                Logger.tag("runtime").warn("checking task {}/{}: {}", t.namespace(), t.id(), e.toString());
            }
        }
    }

    private void watch() {
        long lastCheck = System.nanoTime();
        while (!closed) {
            WatchKey k;
            try {
                k = watcher.poll(RECHECK.toMillis(), TimeUnit.MILLISECONDS);
            } catch (ClosedWatchServiceException | InterruptedException e) {
                return;
            }
            try {
                // the periodic check also runs while events keep coming
                if (k == null || System.nanoTime() - lastCheck > RECHECK.toNanos()) {
                    checkAll();
                    lastCheck = System.nanoTime();
                }
                if (k == null) {
                    continue;
                }
                Consumer<Path> handler = watched.get(k);
                for (WatchEvent<?> e : k.pollEvents()) {
                    if (e.kind() == OVERFLOW) {
                        checkAll();
                    } else if (handler != null && e.context() instanceof Path p) {
                        handler.accept(p.getFileName());
                    }
                }
                if (!k.reset()) {
                    watched.remove(k);
                }
            } catch (RuntimeException e) {
                Logger.tag("runtime").warn(e, "exit watcher");
            }
        }
    }

    // ---------------------------------------------------------------- TaskManager

    @Override
    public Task create(CreateTaskRequest request) {
        String namespace = Identifiers.validate(request.namespace());
        String id = Identifiers.validate(request.containerId());
        if (request.checkpoint() != null && !request.checkpoint().isEmpty()) {
            throw ContainerjException.notImplemented("restore from a checkpoint is not implemented by %s", RUNTIME);
        }
        OciSpec spec = OciSpec.parse(request.specJson());
        if (!Files.isExecutable(Path.of(settings.runc()))) {
            // checked before anything is done, so nothing is left behind
            throw new ContainerjException(ErrorKind.UNKNOWN, "create task " + id + ": OCI runtime "
                    + settings.runc() + ": no such executable file");
        }
        ConmonStdio.check(request.io(), spec.terminal());
        String k = key(namespace, id);
        if (closed) {
            throw ContainerjException.unavailable("runtime %s stopped", RUNTIME);
        }
        if (busy.putIfAbsent(k, Boolean.TRUE) != null) {
            throw ContainerjException.alreadyExists("task %s: already exists", id);
        }
        try {
            if (tasks.containsKey(k)) {
                throw ContainerjException.alreadyExists("task %s: already exists", id);
            }
            TaskDir dir = TaskDir.of(base, namespace, id);
            if (Files.exists(dir.bundle())) {
                throw ContainerjException.alreadyExists("task %s: already exists (%s)", id, dir.bundle());
            }
            RuncTask task = launch(request, dir, spec);
            tasks.put(k, task);
            return task;
        } finally {
            busy.remove(k);
        }
    }

    private RuncTask launch(CreateTaskRequest request, TaskDir dir, OciSpec spec) {
        Runc runc = runc(dir.namespace());
        boolean mounted = false;
        RuncTask task = null;
        try {
            Files.createDirectories(dir.rootfs());
            Files.createDirectories(runc.root());
            watchExits(dir.namespace());
            Files.deleteIfExists(dir.exitFile());
            if (!request.rootfs().isEmpty()) {
                try {
                    mounter.mountAll(request.rootfs(), dir.rootfs());
                } catch (ContainerjException e) {
                    // containerd's shim reports any rootfs mount failure as UNKNOWN
                    throw new ContainerjException(ErrorKind.UNKNOWN, "failed to mount rootfs component: "
                            + e.getMessage(), e);
                }
                mounted = true;
                spec.rootPath(dir.rootfs());
            }
            spec.defaultCgroupsPath("/containerj/" + dir.namespace() + "-" + dir.id());
            spec.oomScoreAdjFloor(OciSpec.oomScoreAdjFloor());
            Files.write(dir.config(), spec.bytes());
            dir.writeTaskFile(request.io());
            task = new RuncTask(this, dir, runc, conmon, request.io());
            conmon.create(dir, runc, request.io());
            task.startTerminal();
            Logger.tag("runtime").debug("task {}/{} created, pid {}", dir.namespace(), dir.id(), dir.initPid());
            return task;
        } catch (IOException | RuntimeException e) {
            if (task != null) {
                task.closeTerminal();
            }
            ContainerjException failure = e instanceof ContainerjException c ? c
                    : new ContainerjException(ErrorKind.UNKNOWN, "create task " + dir.id() + ": " + e.getMessage(), e);
            try {
                removeRemains(dir, runc);
            } catch (RuntimeException | IOException undo) {
                failure.addSuppressed(undo);
            }
            throw failure;
        }
    }

    @Override
    public Task get(String namespace, String containerId) {
        RuncTask t = tasks.get(key(namespace, containerId));
        if (t == null) {
            throw ContainerjException.notFound("task %s: not found", containerId);
        }
        return t;
    }

    @Override
    public List<Task> tasks(String namespace) {
        List<Task> list = new ArrayList<>();
        tasks.values().stream().filter(t -> t.namespace().equals(namespace))
                .sorted(Comparator.comparing(RuncTask::id)).forEach(list::add);
        return list;
    }

    /** Deletes an exited (or never started) task's runtime state; FAILED_PRECONDITION while it runs. */
    ExitStatus delete(RuncTask task, Duration timeout) {
        String k = key(task.namespace(), task.id());
        if (busy.putIfAbsent(k, Boolean.TRUE) != null) {
            throw ContainerjException.failedPrecondition("task %s is being created or deleted", task.id());
        }
        try {
            if (tasks.get(k) != task) {
                throw ContainerjException.notFound("task %s: not found", task.id());
            }
            ExitStatus exit = task.stopForDelete(timeout);
            task.markDeleted();
            task.releaseIO();
            removeRemains(task.dir(), runc(task.namespace()));
            tasks.remove(k, task);
            return exit;
        } catch (IOException e) {
            throw new ContainerjException(ErrorKind.UNKNOWN, "delete task " + task.id() + ": " + e.getMessage(), e);
        } finally {
            busy.remove(k);
        }
    }

    /**
     * Removes what a task leaves: conmon (when still there), runc's state, the rootfs
     * mounts, the bundle and the exit file. The bundle is removed only when nothing is
     * mounted under it any more, so a stuck mount never costs the files behind it.
     */
    private void removeRemains(TaskDir dir, Runc runc) throws IOException {
        runc.deleteForce(dir.id());
        BinaryLogger.kill(dir.bundle());
        mounter.unmountAll(dir.rootfs());
        List<String> left = mountsUnder(dir.bundle());
        if (!left.isEmpty()) {
            throw new ContainerjException(ErrorKind.FAILED_PRECONDITION,
                    "task " + dir.id() + ": still mounted " + left + ", bundle kept");
        }
        deleteTree(dir.bundle());
        Files.deleteIfExists(dir.exitFile());
    }

    static List<String> mountsUnder(Path dir) throws IOException {
        List<String> found = new ArrayList<>();
        String prefix = dir.toString();
        for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
            String point = line.split(" ")[4].replace("\\040", " ");
            if (point.equals(prefix) || point.startsWith(prefix + "/")) {
                found.add(point);
            }
        }
        return found;
    }

    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        Files.walkFileTree(dir, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.delete(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
                if (e != null) {
                    throw e;
                }
                Files.delete(d);
                return FileVisitResult.CONTINUE;
            }
        });
    }

    /** Stops watching; the tasks keep running and a new manager finds them. Waiters fail with UNAVAILABLE. */
    @Override
    public void close() {
        closed = true;
        try {
            watcher.close();
        } catch (IOException e) {
            Logger.tag("runtime").warn(e, "closing the exit watcher");
        }
        watchThread.interrupt();
        try {
            watchThread.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        tasks.values().forEach(RuncTask::abandon);
    }
}
