package org.containerj.runtime.runc.impl;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import org.containerj.api.errdefs.ContainerjException;
import org.containerj.api.errdefs.ErrorKind;

/** The runc commands the runtime uses, for one runc state directory ({@code --root}). */
final class Runc {
    private final String binary;
    private final Path root;
    private final Duration timeout;

    Runc(String binary, Path root, Duration timeout) {
        this.binary = binary;
        this.root = root;
        this.timeout = timeout;
    }

    String binary() {
        return binary;
    }

    Path root() {
        return root;
    }

    void start(String id) {
        check(run("start", id), "start " + id);
    }

    void kill(String id, int signal, boolean all) {
        Command.Result r = all ? run("kill", "--all", id, Integer.toString(signal))
                : run("kill", id, Integer.toString(signal));
        check(r, "kill " + id);
    }

    void pause(String id) {
        check(run("pause", id), "pause " + id);
    }

    void resume(String id) {
        check(run("resume", id), "resume " + id);
    }

    /** {@code runc delete --force}: also kills a container that still runs; a missing container is fine. */
    void deleteForce(String id) {
        Command.Result r = run("delete", "--force", id);
        if (!r.ok() && !missing(r)) {
            check(r, "delete " + id);
        }
    }

    /** The container's {@code runc state}, empty when runc does not know it. */
    Optional<JsonObject> state(String id) {
        Command.Result r = run("state", id);
        if (!r.ok()) {
            if (missing(r)) {
                return Optional.empty();
            }
            check(r, "state " + id);
        }
        return Optional.of(parse(r.stdout(), "state " + id).getAsJsonObject());
    }

    /** Host pids of the container's processes. */
    List<Integer> ps(String id) {
        Command.Result r = run("ps", "--format", "json", id);
        check(r, "ps " + id);
        List<Integer> pids = new ArrayList<>();
        JsonElement e = parse(r.stdout(), "ps " + id);
        if (e.isJsonArray()) {
            for (JsonElement p : (JsonArray) e) {
                pids.add(p.getAsInt());
            }
        }
        return pids;
    }

    /**
     * {@code runc update --resources - ID} with the (already checked) resources on stdin. A value
     * the kernel refuses is INVALID_ARGUMENT with runc's message; anything else UNKNOWN.
     */
    void update(String id, byte[] resourcesJson) {
        List<String> argv = new ArrayList<>(List.of(binary, "--root", root.toString(), "update", "--resources", "-", id));
        Command.Result r = Command.run(argv, timeout, resourcesJson);
        if (r.ok()) {
            return;
        }
        String m = r.message();
        if (m.contains("invalid argument") || m.contains("out of range") || m.contains("unable to set")
                || m.contains("minimum allowed") || m.contains("maximum allowed") || m.contains("must be")) {
            throw new ContainerjException(ErrorKind.INVALID_ARGUMENT, "runc update " + id + ": " + m);
        }
        check(r, "update " + id);
    }

    /**
     * {@code runc checkpoint} into {@code imagePath} (CRIU's image directory), its work files in
     * {@code workPath}; the container keeps running unless {@code exit}.
     */
    void checkpoint(String id, String imagePath, String workPath, boolean exit) {
        List<String> args = new ArrayList<>(List.of("checkpoint", "--image-path", imagePath, "--work-path", workPath));
        if (!exit) {
            args.add("--leave-running");
        }
        args.add(id);
        check(run(args.toArray(String[]::new)), "checkpoint " + id);
    }

    private Command.Result run(String... args) {
        List<String> argv = new ArrayList<>(List.of(binary, "--root", root.toString()));
        argv.addAll(List.of(args));
        return Command.run(argv, timeout);
    }

    private static JsonElement parse(String text, String what) {
        try {
            return JsonParser.parseString(text);
        } catch (JsonParseException e) {
            throw new ContainerjException(ErrorKind.UNKNOWN, "runc " + what + ": unreadable answer: " + text, e);
        }
    }

    static boolean missing(Command.Result r) {
        return r.message().contains("does not exist");
    }

    /** Throws for a failed command, with the kind its message stands for. */
    static void check(Command.Result r, String what) {
        if (r.ok()) {
            return;
        }
        String m = r.message();
        ErrorKind kind;
        if (missing(r)) {
            kind = ErrorKind.NOT_FOUND;
        } else if (m.contains("not running") || m.contains("has stopped") || m.contains("already running")
                || m.contains("not paused") || m.contains("not created")) {
            kind = ErrorKind.FAILED_PRECONDITION;
        } else {
            kind = ErrorKind.UNKNOWN;
        }
        throw new ContainerjException(kind, "runc " + what + ": " + m);
    }
}
