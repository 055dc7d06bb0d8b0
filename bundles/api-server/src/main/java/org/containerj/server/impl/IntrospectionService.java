package org.containerj.server.impl;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import org.containerj.api.errdefs.ContainerjException;
import org.containerj.api.plugin.PluginCatalog;
import org.containerj.api.plugin.PluginInfo;
import org.containerj.api.plugin.PluginProperties;
import org.containerj.api.plugin.PluginStatus;
import org.containerj.api.plugin.PluginTypes;
import org.containerj.filters.FieldSource;
import org.containerj.filters.Filter;
import org.containerj.proto.services.introspection.v1.IntrospectionGrpc;
import org.containerj.proto.services.introspection.v1.Plugin;
import org.containerj.proto.services.introspection.v1.PluginInfoRequest;
import org.containerj.proto.services.introspection.v1.PluginInfoResponse;
import org.containerj.proto.services.introspection.v1.PluginsRequest;
import org.containerj.proto.services.introspection.v1.PluginsResponse;
import org.containerj.proto.services.introspection.v1.ServerResponse;
import org.containerj.proto.types.Platform;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

import com.google.protobuf.Empty;
import com.google.rpc.Code;
import com.google.rpc.Status;

import io.grpc.BindableService;
import io.grpc.stub.StreamObserver;

/**
 * {@code containerd.services.introspection.v1.Introspection}: the live plugin graph
 * ({@code ctr plugins ls}) and the server's identity.
 */
@Component(service = BindableService.class, property = {
        PluginProperties.TYPE + "=" + PluginTypes.GRPC,
        PluginProperties.ID + "=introspection" })
public class IntrospectionService extends IntrospectionGrpc.IntrospectionImplBase {
    static final String PLUGIN_DIR = "io.containerd.grpc.v1.introspection";

    @Reference
    private PluginCatalog catalog;

    private String uuid;

    @Activate
    void activate(BundleContext context) throws IOException {
        String root = Optional.ofNullable(context.getProperty("containerj.root")).orElse("/var/lib/containerj");
        uuid = ServerUuid.loadOrCreate(Path.of(root, PLUGIN_DIR));
    }

    @Override
    public void plugins(PluginsRequest request, StreamObserver<PluginsResponse> observer) {
        Filter filter = Filter.parse(request.getFiltersList());
        PluginsResponse.Builder response = PluginsResponse.newBuilder();
        for (PluginInfo info : catalog.plugins()) {
            if (filter.matches(fields(info))) {
                response.addPlugins(toProto(info));
            }
        }
        observer.onNext(response.build());
        observer.onCompleted();
    }

    @Override
    public void server(Empty request, StreamObserver<ServerResponse> observer) {
        long pid = ProcessHandle.current().pid();
        observer.onNext(ServerResponse.newBuilder().setUuid(uuid).setPid(pid).setPidns(pidNamespace()).build());
        observer.onCompleted();
    }

    @Override
    public void pluginInfo(PluginInfoRequest request, StreamObserver<PluginInfoResponse> observer) {
        PluginInfo info = catalog.plugins().stream()
                .filter(p -> p.type().equals(request.getType()) && p.id().equals(request.getId()))
                .findFirst()
                .orElseThrow(() -> ContainerjException.notFound("plugin %s.%s: not found", request.getType(),
                        request.getId()));
        observer.onNext(PluginInfoResponse.newBuilder().setPlugin(toProto(info)).build());
        observer.onCompleted();
    }

    static Plugin toProto(PluginInfo info) {
        Plugin.Builder b = Plugin.newBuilder()
                .setType(info.type())
                .setId(info.id())
                .addAllRequires(info.requires())
                .putAllExports(info.exports())
                .addAllCapabilities(info.capabilities())
                .putExports("containerj.bundle", info.bundle() + " " + info.bundleVersion());
        for (String platform : info.platforms()) {
            b.addPlatforms(platform(platform));
        }
        if (info.status() != PluginStatus.OK) {
            // ctr shows "skip" when the message says "skip plugin", "error" otherwise.
            b.setInitErr(Status.newBuilder().setCode(Code.UNKNOWN_VALUE).setMessage(info.reason()));
        }
        return b.build();
    }

    static FieldSource fields(PluginInfo info) {
        return path -> {
            if (path.size() != 1) {
                return Optional.empty();
            }
            return switch (path.get(0)) {
                case "type" -> Optional.of(info.type());
                case "id" -> Optional.of(info.id());
                case "platforms" -> info.platforms().isEmpty() ? Optional.empty()
                        : Optional.of(String.join(",", info.platforms()));
                case "capabilities" -> info.capabilities().isEmpty() ? Optional.empty()
                        : Optional.of(String.join(",", info.capabilities()));
                case "status" -> Optional.of(info.status().name().toLowerCase(java.util.Locale.ROOT));
                default -> Optional.empty();
            };
        };
    }

    private static Platform platform(String spec) {
        List<String> parts = List.of(spec.split("/"));
        Platform.Builder p = Platform.newBuilder().setOs(parts.get(0));
        if (parts.size() > 1) {
            p.setArchitecture(parts.get(1));
        }
        if (parts.size() > 2) {
            p.setVariant(parts.get(2));
        }
        return p.build();
    }

    private static long pidNamespace() {
        try {
            String link = Files.readSymbolicLink(Path.of("/proc/self/ns/pid")).toString(); // pid:[4026531836]
            return Long.parseLong(link.substring(link.indexOf('[') + 1, link.indexOf(']')));
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }
}
