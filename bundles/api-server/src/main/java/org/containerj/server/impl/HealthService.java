package org.containerj.server.impl;

import org.containerj.api.plugin.PluginProperties;
import org.containerj.api.plugin.PluginTypes;
import org.osgi.service.component.annotations.Component;

import io.grpc.BindableService;
import io.grpc.ServerServiceDefinition;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.protobuf.services.HealthStatusManager;

/**
 * {@code grpc.health.v1.Health}, as containerd's healthcheck plugin serves it: the
 * daemon is SERVING while this bundle runs.
 */
@Component(service = BindableService.class, property = {
        PluginProperties.TYPE + "=" + PluginTypes.GRPC,
        PluginProperties.ID + "=healthcheck" })
public class HealthService implements BindableService {
    private final HealthStatusManager health = new HealthStatusManager();

    public HealthService() {
        health.setStatus(HealthStatusManager.SERVICE_NAME_ALL_SERVICES, ServingStatus.SERVING);
    }

    @Override
    public ServerServiceDefinition bindService() {
        return health.getHealthService().bindService();
    }
}
