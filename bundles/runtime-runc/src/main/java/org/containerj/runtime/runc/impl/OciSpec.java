package org.containerj.runtime.runc.impl;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import org.containerj.api.errdefs.ContainerjException;

/**
 * The client's OCI runtime spec, checked and completed for runc: the root path points at
 * the mounted rootfs, the container gets an explicit cgroup when the client named none,
 * and an {@code oomScoreAdj} below the daemon's own is raised to it where the daemon
 * may not lower it (no CAP_SYS_RESOURCE; runc would fail to start the container).
 */
final class OciSpec {
    private static final long CAP_SYS_RESOURCE = 1L << 24;

    private final JsonObject spec;
    /** True for an exec's process spec (held as {@code {"process": ...}}). */
    private final boolean processOnly;

    private OciSpec(JsonObject spec, boolean processOnly) {
        this.spec = spec;
        this.processOnly = processOnly;
    }

    /** INVALID_ARGUMENT unless {@code json} is a JSON object with a process. */
    static OciSpec parse(byte[] json) {
        JsonElement e;
        try {
            e = JsonParser.parseString(new String(json, StandardCharsets.UTF_8));
        } catch (JsonParseException ex) {
            throw ContainerjException.invalidArgument("invalid OCI spec: %s", ex.getMessage());
        }
        if (!e.isJsonObject()) {
            throw ContainerjException.invalidArgument("invalid OCI spec: not a JSON object");
        }
        JsonObject o = e.getAsJsonObject();
        if (!o.has("process") || !o.get("process").isJsonObject()) {
            throw ContainerjException.invalidArgument("invalid OCI spec: no process");
        }
        return new OciSpec(o, false);
    }

    /** An exec's OCI process spec: INVALID_ARGUMENT unless it is a JSON object with args. */
    static OciSpec parseProcess(byte[] json) {
        JsonElement e;
        try {
            e = JsonParser.parseString(new String(json, StandardCharsets.UTF_8));
        } catch (JsonParseException ex) {
            throw ContainerjException.invalidArgument("invalid OCI process spec: %s", ex.getMessage());
        }
        if (!e.isJsonObject() || !e.getAsJsonObject().has("args")) {
            throw ContainerjException.invalidArgument("invalid OCI process spec: not a JSON object with args");
        }
        JsonObject wrapper = new JsonObject();
        wrapper.add("process", e);
        return new OciSpec(wrapper, true);
    }

    boolean terminal() {
        JsonElement t = spec.getAsJsonObject("process").get("terminal");
        return t != null && t.isJsonPrimitive() && t.getAsBoolean();
    }

    void rootPath(Path rootfs) {
        JsonObject root = object(spec, "root");
        root.addProperty("path", rootfs.toString());
    }

    /** Sets {@code linux.cgroupsPath} when the client left it empty. */
    void defaultCgroupsPath(String path) {
        JsonObject linux = object(spec, "linux");
        JsonElement c = linux.get("cgroupsPath");
        if (c == null || !c.isJsonPrimitive() || c.getAsString().isEmpty()) {
            linux.addProperty("cgroupsPath", path);
        }
    }

    /** Raises {@code process.oomScoreAdj} to at least {@code floor}. */
    void oomScoreAdjFloor(int floor) {
        JsonObject process = spec.getAsJsonObject("process");
        JsonElement adj = process.get("oomScoreAdj");
        if (adj != null && adj.isJsonPrimitive() && adj.getAsInt() < floor) {
            process.addProperty("oomScoreAdj", floor);
        }
    }

    byte[] bytes() {
        JsonElement out = processOnly ? spec.get("process") : spec;
        return out.toString().getBytes(StandardCharsets.UTF_8);
    }

    /**
     * The lowest {@code oomScoreAdj} a container may ask for: the daemon's own unless it
     * holds CAP_SYS_RESOURCE (then anything, -1000).
     */
    static int oomScoreAdjFloor() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("CapEff:")) {
                    long caps = Long.parseUnsignedLong(line.substring(7).trim(), 16);
                    if ((caps & CAP_SYS_RESOURCE) != 0) {
                        return -1000;
                    }
                }
            }
            return Integer.parseInt(Files.readString(Path.of("/proc/self/oom_score_adj")).trim());
        } catch (IOException | NumberFormatException e) {
            return 0;
        }
    }

    private static JsonObject object(JsonObject parent, String name) {
        JsonElement e = parent.get(name);
        if (e == null || !e.isJsonObject()) {
            JsonObject o = new JsonObject();
            parent.add(name, o);
            return o;
        }
        return e.getAsJsonObject();
    }
}
