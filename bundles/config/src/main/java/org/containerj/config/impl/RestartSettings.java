package org.containerj.config.impl;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;

/**
 * The settings the launcher reads before Felix starts (framework properties
 * {@code containerj.root}, {@code containerj.state}, {@code containerj.grpc.address},
 * {@code containerj.grpc.uid}, {@code containerj.grpc.gid}, {@code containerj.debug.level}):
 * changing them in the file takes effect only after a restart.
 */
public record RestartSettings(String root, String state, String grpcAddress, long grpcUid, long grpcGid,
                              String debugLevel) {

    /** The settings a configuration asks for, defaults filled in. */
    public static RestartSettings of(DaemonConfig config) {
        return new RestartSettings(config.root(), config.state(), config.grpcAddress(), config.grpcUid(),
            config.grpcGid(), config.debugLevel());
    }

    /**
     * The settings in effect: the framework properties the launcher set, and where one is not
     * set (Felix started some other way), the value from {@code fallback}.
     */
    public static RestartSettings inEffect(Function<String, String> frameworkProperty, RestartSettings fallback) {
        return new RestartSettings(
            text(frameworkProperty.apply("containerj.root"), fallback.root),
            text(frameworkProperty.apply("containerj.state"), fallback.state),
            text(frameworkProperty.apply("containerj.grpc.address"), fallback.grpcAddress),
            number(frameworkProperty.apply("containerj.grpc.uid"), fallback.grpcUid),
            number(frameworkProperty.apply("containerj.grpc.gid"), fallback.grpcGid),
            text(frameworkProperty.apply("containerj.debug.level"), fallback.debugLevel));
    }

    /** One line per setting that {@code wanted} changes: {@code root: "/a" (in effect: "/b")}. */
    public List<String> changesTo(RestartSettings wanted) {
        List<String> out = new ArrayList<>();
        diff(out, "root", root, wanted.root);
        diff(out, "state", state, wanted.state);
        diff(out, "grpc.address", grpcAddress, wanted.grpcAddress);
        diff(out, "grpc.uid", grpcUid, wanted.grpcUid);
        diff(out, "grpc.gid", grpcGid, wanted.grpcGid);
        diff(out, "debug.level", debugLevel, wanted.debugLevel);
        return out;
    }

    private static void diff(List<String> out, String key, Object inEffect, Object wanted) {
        if (!Objects.equals(inEffect, wanted)) {
            out.add(key + ": " + quote(wanted) + " (in effect: " + quote(inEffect) + ")");
        }
    }

    private static String quote(Object v) {
        return v instanceof String ? "\"" + v + "\"" : String.valueOf(v);
    }

    private static String text(String property, String fallback) {
        return property == null || property.isEmpty() ? fallback : property;
    }

    private static long number(String property, long fallback) {
        if (property == null || property.isEmpty()) {
            return fallback;
        }
        try {
            return Long.parseLong(property.trim());
        } catch (NumberFormatException e) {
            return fallback;
        }
    }
}
