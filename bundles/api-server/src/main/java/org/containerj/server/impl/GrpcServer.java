package org.containerj.server.impl;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.containerj.api.plugin.PluginProperties;
import org.containerj.api.plugin.PluginTypes;
import org.containerj.server.RequestContextInterceptor;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.metatype.annotations.Designate;
import org.tinylog.Logger;

import io.grpc.BindableService;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.NettyServerBuilder;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;

/**
 * The daemon's gRPC server on its unix socket. Every service registered as a plugin of
 * type {@code io.containerd.grpc.v1} (a {@link BindableService}) is served while it is
 * registered: bundles come and go without a server restart.
 */
@Component(immediate = true, configurationPid = "containerj.grpc", configurationPolicy = ConfigurationPolicy.OPTIONAL)
@Designate(ocd = GrpcServerConfig.class)
public class GrpcServer {
    private final DynamicServiceRegistry registry = new DynamicServiceRegistry();
    private final Map<BindableService, ServerServiceDefinition> bound = new ConcurrentHashMap<>();

    private Server server;
    private EventLoopGroup boss;
    private EventLoopGroup workers;
    private ExecutorService executor;
    private Path socket;

    @Reference(service = BindableService.class, cardinality = ReferenceCardinality.MULTIPLE,
            policy = ReferencePolicy.DYNAMIC, target = "(" + PluginProperties.TYPE + "=" + PluginTypes.GRPC + ")")
    void bindService(BindableService service, Map<String, Object> properties) {
        ServerServiceDefinition definition = ServerInterceptors.intercept(service,
                new ErrorInterceptor(), new RequestContextInterceptor());
        String id = String.valueOf(properties.get(PluginProperties.ID));
        bound.put(service, definition);
        registry.add(definition, id);
        Logger.tag("grpc").info("serving {} (plugin {}.{})", definition.getServiceDescriptor().getName(),
                PluginTypes.GRPC, id);
    }

    void unbindService(BindableService service) {
        ServerServiceDefinition definition = bound.remove(service);
        if (definition != null) {
            registry.remove(definition);
            Logger.tag("grpc").info("stopped serving {}", definition.getServiceDescriptor().getName());
        }
    }

    @Activate
    void activate(BundleContext context, Map<String, Object> config) throws IOException {
        GrpcSettings settings = GrpcSettings.from(config, context);
        if (config.get("tcp_address") instanceof String tcp && !tcp.isEmpty()) {
            Logger.warn("[grpc] tcp_address {} ignored: containerj serves only its unix socket", tcp);
        }
        socket = settings.address();
        prepareSocketPath(socket);
        boss = new EpollEventLoopGroup(1, threads("grpc-accept"));
        workers = new EpollEventLoopGroup(2, threads("grpc-io"));
        executor = Executors.newFixedThreadPool(16, threads("grpc-call"));
        server = NettyServerBuilder.forAddress(new DomainSocketAddress(socket.toString()))
                .channelType(EpollServerDomainSocketChannel.class)
                .bossEventLoopGroup(boss)
                .workerEventLoopGroup(workers)
                .executor(executor)
                .fallbackHandlerRegistry(registry)
                .maxInboundMessageSize(settings.maxRecvMessageSize())
                .build()
                .start();
        // The socket is the daemon's whole authority: root (or the configured group) only.
        Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-rw----"));
        Files.setAttribute(socket, "unix:uid", settings.uid());
        Files.setAttribute(socket, "unix:gid", settings.gid());
        Logger.tag("grpc").info("serving containerd API on {}", socket);
    }

    @Deactivate
    void deactivate() throws InterruptedException {
        if (server != null) {
            server.shutdown();
            if (!server.awaitTermination(5, TimeUnit.SECONDS)) {
                server.shutdownNow();
                server.awaitTermination(2, TimeUnit.SECONDS);
            }
        }
        if (executor != null) {
            executor.shutdownNow();
        }
        if (workers != null) {
            workers.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        }
        if (boss != null) {
            boss.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        }
        try {
            if (socket != null) {
                Files.deleteIfExists(socket);
            }
        } catch (IOException e) {
            Logger.warn("cannot remove {}: {}", socket, e.getMessage());
        }
    }

    private static void prepareSocketPath(Path socket) throws IOException {
        Path dir = socket.toAbsolutePath().getParent();
        if (!Files.isDirectory(dir)) {
            Files.createDirectories(dir);
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx--x--x"));
        }
        // A socket left by a daemon that was killed: binding would fail with EADDRINUSE.
        if (Files.exists(socket) && !Files.isDirectory(socket)) {
            Files.delete(socket);
        }
    }

    private static ThreadFactory threads(String name) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, name + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }
}
