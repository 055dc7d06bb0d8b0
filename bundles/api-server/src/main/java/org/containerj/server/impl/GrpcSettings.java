package org.containerj.server.impl;

import java.nio.file.Path;
import java.util.Map;

import org.osgi.framework.BundleContext;

/**
 * The server's settings: the {@code [grpc]} table of config.toml (PID containerj.grpc),
 * falling back to the framework properties the launcher set from the same file.
 */
record GrpcSettings(Path address, int uid, int gid, int maxRecvMessageSize, int maxSendMessageSize) {
    /** containerd's default message size limit, both ways. */
    static final int DEFAULT_MESSAGE_SIZE = 16 << 20;

    static GrpcSettings from(Map<String, Object> config, BundleContext context) {
        String address = string(config.get("address"), context.getProperty("containerj.grpc.address"),
                "/run/containerj/containerj.sock");
        return new GrpcSettings(Path.of(address),
                number(config.get("uid"), context.getProperty("containerj.grpc.uid"), 0),
                number(config.get("gid"), context.getProperty("containerj.grpc.gid"), 0),
                number(config.get("max_recv_message_size"), null, DEFAULT_MESSAGE_SIZE),
                number(config.get("max_send_message_size"), null, DEFAULT_MESSAGE_SIZE));
    }

    private static String string(Object configured, String framework, String fallback) {
        if (configured instanceof String s && !s.isEmpty()) {
            return s;
        }
        return framework != null && !framework.isEmpty() ? framework : fallback;
    }

    private static int number(Object configured, String framework, int fallback) {
        if (configured instanceof Number n) {
            return n.intValue();
        }
        if (configured instanceof String s && !s.isEmpty()) {
            return Integer.parseInt(s.trim());
        }
        return framework != null && !framework.isEmpty() ? Integer.parseInt(framework.trim()) : fallback;
    }
}
