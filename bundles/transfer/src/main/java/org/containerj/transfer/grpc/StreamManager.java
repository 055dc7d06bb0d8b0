package org.containerj.transfer.grpc;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.containerj.api.errdefs.ContainerjException;
import org.containerj.api.plugin.PluginProperties;
import org.osgi.service.component.annotations.Component;

/**
 * The plugin {@code io.containerd.streaming.v1} {@code manager}: the streams clients opened
 * through the Streaming service, by namespace and id, for the transfer service to use as
 * progress, data and auth channels. A stream leaves when either side closes it.
 */
@Component(service = StreamManager.class, property = {
        PluginProperties.TYPE + "=" + StreamManager.PLUGIN_TYPE,
        PluginProperties.ID + "=manager" })
public class StreamManager {
    public static final String PLUGIN_TYPE = "io.containerd.streaming.v1";

    private final Map<String, ServerStream> streams = new ConcurrentHashMap<>();

    private static String key(String namespace, String id) {
        return namespace + "\0" + id;
    }

    /** ALREADY_EXISTS when the namespace has a stream of that id. */
    public void register(String namespace, String id, ServerStream stream) {
        if (id == null || id.isEmpty()) {
            throw ContainerjException.invalidArgument("stream id must not be empty");
        }
        if (streams.putIfAbsent(key(namespace, id), stream) != null) {
            throw ContainerjException.alreadyExists("stream %s: already exists", id);
        }
    }

    /** NOT_FOUND when the namespace has no such stream (never opened, or closed). */
    public ServerStream get(String namespace, String id) {
        ServerStream s = streams.get(key(namespace, id));
        if (s == null) {
            throw ContainerjException.notFound("stream %s: not found", id);
        }
        return s;
    }

    void remove(String namespace, String id, ServerStream stream) {
        streams.remove(key(namespace, id), stream);
    }

    /** For tests and diagnostics: streams open now. */
    public int size() {
        return streams.size();
    }
}
