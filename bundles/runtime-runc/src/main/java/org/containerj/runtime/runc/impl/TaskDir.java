package org.containerj.runtime.runc.impl;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.OptionalInt;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import org.containerj.api.errdefs.ContainerjException;
import org.containerj.api.runtime.ExitStatus;
import org.containerj.api.runtime.ProcessIO;

/**
 * One task's files under {@code <state>/io.containerd.runtime.v2.task/<namespace>/<id>/}:
 * the OCI bundle ({@code config.json}, {@code rootfs/}), what conmon writes there
 * ({@code conmon.pid}, {@code init.pid}, {@code exit}, {@code sync}), runc's JSON log
 * {@code runc.log}, the launching shell's errors {@code launch.err}, processes exec'd
 * into it under {@code execs/}, and {@code task.json}, the IO the task was created with
 * (written last before conmon starts: a bundle without it is an interrupted creation).
 * The exit file conmon writes into the namespace's shared exit directory is
 * {@code <namespace>/.exits/<id>}; ids cannot start with a dot, so no task collides with it.
 */
record TaskDir(String namespace, String id, Path bundle, Path exitFile) {
    static final String CONFIG = "config.json";
    static final String TASK = "task.json";

    static TaskDir of(Path base, String namespace, String id) {
        Path ns = base.resolve(namespace);
        return new TaskDir(namespace, id, ns.resolve(id), exitDir(base, namespace).resolve(id));
    }

    static Path exitDir(Path base, String namespace) {
        return base.resolve(namespace).resolve(".exits");
    }

    static Path runcRoot(Path base, String namespace) {
        return base.resolve(namespace).resolve(".runc");
    }

    Path execs() {
        return bundle.resolve("execs");
    }

    Path rootfs() {
        return bundle.resolve("rootfs");
    }

    Path config() {
        return bundle.resolve(CONFIG);
    }

    Path conmonPidFile() {
        return bundle.resolve("conmon.pid");
    }

    Path initPidFile() {
        return bundle.resolve("init.pid");
    }

    Path runcLog() {
        return bundle.resolve("runc.log");
    }

    /** Records what a restarted runtime needs: the IO the task was created with. */
    void writeTaskFile(ProcessIO io) throws IOException {
        writeIO(bundle.resolve(TASK), io);
    }

    static void writeIO(Path file, ProcessIO io) throws IOException {
        JsonObject o = new JsonObject();
        o.addProperty("stdin", io.stdin());
        o.addProperty("stdout", io.stdout());
        o.addProperty("stderr", io.stderr());
        o.addProperty("terminal", io.terminal());
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(tmp, o.toString(), StandardCharsets.UTF_8);
        Files.move(tmp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    /** The IO recorded by {@link #writeTaskFile}; null when there is no (readable) task file. */
    ProcessIO readIO() {
        return readIO(bundle.resolve(TASK));
    }

    static ProcessIO readIO(Path file) {
        try {
            JsonObject o = JsonParser.parseString(Files.readString(file)).getAsJsonObject();
            return new ProcessIO(o.get("stdin").getAsString(), o.get("stdout").getAsString(),
                    o.get("stderr").getAsString(), o.get("terminal").getAsBoolean());
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** The decimal number in a pid file, empty when it is missing or unreadable. */
    static OptionalInt readPid(Path file) {
        try {
            String s = Files.readString(file, StandardCharsets.US_ASCII).trim();
            return s.isEmpty() ? OptionalInt.empty() : OptionalInt.of(Integer.parseInt(s));
        } catch (IOException | NumberFormatException e) {
            return OptionalInt.empty();
        }
    }

    int initPid() {
        return readPid(initPidFile()).orElse(0);
    }

    /**
     * The exit conmon recorded, null while there is none: the code from the exit file
     * and the time from its modification time.
     */
    ExitStatus readExit() {
        return readExit(exitFile, initPid());
    }

    static ExitStatus readExit(Path exitFile, int pid) {
        try {
            String s = Files.readString(exitFile, StandardCharsets.US_ASCII).trim();
            Instant at = Files.getLastModifiedTime(exitFile).toInstant();
            return new ExitStatus(pid, Integer.parseInt(s), at);
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException | NumberFormatException e) {
            throw ContainerjException.internal("unreadable exit file " + exitFile, e);
        }
    }

    /**
     * True when the task's conmon still runs: the pid in {@code conmon.pid} names a process
     * whose command line is conmon's with this bundle (not a reused pid).
     */
    boolean conmonAlive() {
        return conmonAlive(conmonPidFile(), bundle);
    }

    /** True when {@code pidFile} names a running conmon whose command line mentions {@code dir}. */
    static boolean conmonAlive(Path pidFile, Path dir) {
        OptionalInt pid = readPid(pidFile);
        if (pid.isEmpty()) {
            return false;
        }
        try {
            byte[] raw = Files.readAllBytes(Path.of("/proc", Integer.toString(pid.getAsInt()), "cmdline"));
            String cmdline = new String(raw, StandardCharsets.UTF_8).replace('\0', ' ');
            return cmdline.contains("conmon") && cmdline.contains(dir.toString());
        } catch (IOException e) {
            return false;
        }
    }
}
