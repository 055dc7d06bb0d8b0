package org.containerj.namespaces.grpc;

import java.util.Map;

import org.containerj.api.errdefs.ContainerjException;
import org.containerj.api.errdefs.ErrorKind;
import org.containerj.api.events.EventPublisher;
import org.containerj.api.namespaces.Namespace;
import org.containerj.api.namespaces.NamespaceStore;
import org.containerj.api.plugin.PluginProperties;
import org.containerj.api.plugin.PluginTypes;
import org.containerj.proto.events.NamespaceCreate;
import org.containerj.proto.events.NamespaceDelete;
import org.containerj.proto.events.NamespaceUpdate;
import org.containerj.proto.services.namespaces.v1.CreateNamespaceRequest;
import org.containerj.proto.services.namespaces.v1.CreateNamespaceResponse;
import org.containerj.proto.services.namespaces.v1.DeleteNamespaceRequest;
import org.containerj.proto.services.namespaces.v1.GetNamespaceRequest;
import org.containerj.proto.services.namespaces.v1.GetNamespaceResponse;
import org.containerj.proto.services.namespaces.v1.ListNamespacesRequest;
import org.containerj.proto.services.namespaces.v1.ListNamespacesResponse;
import org.containerj.proto.services.namespaces.v1.NamespacesGrpc;
import org.containerj.proto.services.namespaces.v1.UpdateNamespaceRequest;
import org.containerj.proto.services.namespaces.v1.UpdateNamespaceResponse;
import org.containerj.server.RequestNamespace;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.tinylog.Logger;

import com.google.protobuf.Empty;
import com.google.protobuf.Message;

import io.grpc.BindableService;
import io.grpc.stub.StreamObserver;

/**
 * {@code containerd.services.namespaces.v1.Namespaces} ({@code ctr namespaces ...}) over
 * the namespace store. Semantics and errors are the store's; this class only translates.
 */
@Component(service = BindableService.class, property = {
        PluginProperties.TYPE + "=" + PluginTypes.GRPC,
        PluginProperties.ID + "=namespaces",
        PluginProperties.REQUIRES + "=" + PluginTypes.SERVICE + ".namespaces-service" })
public class NamespacesService extends NamespacesGrpc.NamespacesImplBase {

    @Reference
    private NamespaceStore store;

    /** Events are published when the exchange is there; namespaces work without it. */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private volatile EventPublisher events;

    @Override
    public void get(GetNamespaceRequest request, StreamObserver<GetNamespaceResponse> observer) {
        Namespace ns;
        try {
            ns = store.get(request.getName());
        } catch (ContainerjException e) {
            if (e.kind() != ErrorKind.NOT_FOUND) {
                throw e;
            }
            // containerd answers Get of an unknown (valid) name with empty labels, not an error.
            ns = new Namespace(request.getName(), Map.of());
        }
        observer.onNext(GetNamespaceResponse.newBuilder().setNamespace(toProto(ns)).build());
        observer.onCompleted();
    }

    @Override
    public void list(ListNamespacesRequest request, StreamObserver<ListNamespacesResponse> observer) {
        ListNamespacesResponse.Builder response = ListNamespacesResponse.newBuilder();
        for (Namespace ns : store.list()) {
            response.addNamespaces(toProto(ns));
        }
        observer.onNext(response.build());
        observer.onCompleted();
    }

    @Override
    public void create(CreateNamespaceRequest request, StreamObserver<CreateNamespaceResponse> observer) {
        var in = request.getNamespace();
        Namespace created = store.create(in.getName(), in.getLabelsMap());
        Logger.tag("namespaces").info("namespace {} created", created.name());
        publish("/namespaces/create",
                NamespaceCreate.newBuilder().setName(created.name()).putAllLabels(created.labels()).build());
        observer.onNext(CreateNamespaceResponse.newBuilder().setNamespace(toProto(created)).build());
        observer.onCompleted();
    }

    @Override
    public void update(UpdateNamespaceRequest request, StreamObserver<UpdateNamespaceResponse> observer) {
        var in = request.getNamespace();
        Namespace updated = store.update(in.getName(), in.getLabelsMap(), request.getUpdateMask().getPathsList());
        publish("/namespaces/update",
                NamespaceUpdate.newBuilder().setName(updated.name()).putAllLabels(updated.labels()).build());
        observer.onNext(UpdateNamespaceResponse.newBuilder().setNamespace(toProto(updated)).build());
        observer.onCompleted();
    }

    @Override
    public void delete(DeleteNamespaceRequest request, StreamObserver<Empty> observer) {
        store.delete(request.getName());
        Logger.tag("namespaces").info("namespace {} deleted", request.getName());
        publish("/namespaces/delete", NamespaceDelete.newBuilder().setName(request.getName()).build());
        observer.onNext(Empty.getDefaultInstance());
        observer.onCompleted();
    }

    /** Like containerd, events go out in the namespace of the request, not the one they name. */
    private void publish(String topic, Message event) {
        EventPublisher publisher = events;
        if (publisher != null) {
            publisher.publish(RequestNamespace.current(), topic, event.getDescriptorForType().getFullName(), event.toByteArray());
        }
    }

    private static org.containerj.proto.services.namespaces.v1.Namespace toProto(Namespace ns) {
        Map<String, String> labels = ns.labels();
        return org.containerj.proto.services.namespaces.v1.Namespace.newBuilder()
                .setName(ns.name())
                .putAllLabels(labels)
                .build();
    }
}
