package org.containerj.containers.grpc;

import java.util.List;

import org.containerj.api.containers.Container;
import org.containerj.api.containers.ContainerStore;
import org.containerj.api.plugin.PluginProperties;
import org.containerj.api.plugin.PluginTypes;
import org.containerj.containers.impl.ContainerRecords;
import org.containerj.proto.services.containers.v1.ContainersGrpc;
import org.containerj.proto.services.containers.v1.CreateContainerRequest;
import org.containerj.proto.services.containers.v1.CreateContainerResponse;
import org.containerj.proto.services.containers.v1.DeleteContainerRequest;
import org.containerj.proto.services.containers.v1.GetContainerRequest;
import org.containerj.proto.services.containers.v1.GetContainerResponse;
import org.containerj.proto.services.containers.v1.ListContainerMessage;
import org.containerj.proto.services.containers.v1.ListContainersRequest;
import org.containerj.proto.services.containers.v1.ListContainersResponse;
import org.containerj.proto.services.containers.v1.UpdateContainerRequest;
import org.containerj.proto.services.containers.v1.UpdateContainerResponse;
import org.containerj.server.RequestNamespace;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

import com.google.protobuf.Empty;

import io.grpc.BindableService;
import io.grpc.stub.StreamObserver;

/** {@code containerd.services.containers.v1.Containers} ({@code ctr containers ...}) over the containers-service plugin. */
@Component(service = BindableService.class, property = {
        PluginProperties.TYPE + "=" + PluginTypes.GRPC,
        PluginProperties.ID + "=containers",
        PluginProperties.REQUIRES + "=" + PluginTypes.SERVICE + ".containers-service" })
public class ContainersService extends ContainersGrpc.ContainersImplBase {
    private final ContainerStore containers;

    @Activate
    public ContainersService(@Reference(name = "containers",
            target = "(" + PluginProperties.ID + "=containers-service)") ContainerStore containers) {
        this.containers = containers;
    }

    @Override
    public void get(GetContainerRequest request, StreamObserver<GetContainerResponse> observer) {
        Container c = containers.get(RequestNamespace.current(), request.getId());
        observer.onNext(GetContainerResponse.newBuilder().setContainer(ContainerRecords.toProto(c)).build());
        observer.onCompleted();
    }

    @Override
    public void list(ListContainersRequest request, StreamObserver<ListContainersResponse> observer) {
        ListContainersResponse.Builder response = ListContainersResponse.newBuilder();
        for (Container c : containers.list(RequestNamespace.current(), request.getFiltersList())) {
            response.addContainers(ContainerRecords.toProto(c));
        }
        observer.onNext(response.build());
        observer.onCompleted();
    }

    @Override
    public void listStream(ListContainersRequest request, StreamObserver<ListContainerMessage> observer) {
        for (Container c : containers.list(RequestNamespace.current(), request.getFiltersList())) {
            observer.onNext(ListContainerMessage.newBuilder().setContainer(ContainerRecords.toProto(c)).build());
        }
        observer.onCompleted();
    }

    @Override
    public void create(CreateContainerRequest request, StreamObserver<CreateContainerResponse> observer) {
        Container created = containers.create(RequestNamespace.current(),
                ContainerRecords.fromProto(request.getContainer()));
        observer.onNext(CreateContainerResponse.newBuilder().setContainer(ContainerRecords.toProto(created)).build());
        observer.onCompleted();
    }

    @Override
    public void update(UpdateContainerRequest request, StreamObserver<UpdateContainerResponse> observer) {
        Container updated = containers.update(RequestNamespace.current(),
                ContainerRecords.fromProto(request.getContainer()),
                request.hasUpdateMask() ? request.getUpdateMask().getPathsList() : List.of());
        observer.onNext(UpdateContainerResponse.newBuilder().setContainer(ContainerRecords.toProto(updated)).build());
        observer.onCompleted();
    }

    @Override
    public void delete(DeleteContainerRequest request, StreamObserver<Empty> observer) {
        containers.delete(RequestNamespace.current(), request.getId());
        observer.onNext(Empty.getDefaultInstance());
        observer.onCompleted();
    }
}
