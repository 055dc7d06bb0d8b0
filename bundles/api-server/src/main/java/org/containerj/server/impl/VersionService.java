package org.containerj.server.impl;

import org.containerj.api.plugin.PluginProperties;
import org.containerj.api.plugin.PluginTypes;
import org.containerj.proto.services.version.v1.VersionGrpc;
import org.containerj.proto.services.version.v1.VersionResponse;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;

import com.google.protobuf.Empty;

import io.grpc.BindableService;
import io.grpc.stub.StreamObserver;

/** {@code containerd.services.version.v1.Version}: what {@code ctr version} prints. */
@Component(service = BindableService.class, property = {
        PluginProperties.TYPE + "=" + PluginTypes.GRPC,
        PluginProperties.ID + "=version" })
public class VersionService extends VersionGrpc.VersionImplBase {
    private VersionResponse response;

    @Activate
    void activate(BundleContext context) {
        response = VersionResponse.newBuilder()
                .setVersion(DaemonVersion.version(context.getBundle()))
                .setRevision(DaemonVersion.revision(context.getBundle()))
                .build();
    }

    @Override
    public void version(Empty request, StreamObserver<VersionResponse> observer) {
        observer.onNext(response);
        observer.onCompleted();
    }
}
