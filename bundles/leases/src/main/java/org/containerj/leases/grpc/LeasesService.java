package org.containerj.leases.grpc;

import org.containerj.api.gc.GarbageCollector;
import org.containerj.api.leases.Lease;
import org.containerj.api.leases.LeaseManager;
import org.containerj.api.leases.LeaseResource;
import org.containerj.api.plugin.PluginProperties;
import org.containerj.api.plugin.PluginTypes;
import org.containerj.proto.services.leases.v1.AddResourceRequest;
import org.containerj.proto.services.leases.v1.CreateRequest;
import org.containerj.proto.services.leases.v1.CreateResponse;
import org.containerj.proto.services.leases.v1.DeleteRequest;
import org.containerj.proto.services.leases.v1.DeleteResourceRequest;
import org.containerj.proto.services.leases.v1.LeasesGrpc;
import org.containerj.proto.services.leases.v1.ListRequest;
import org.containerj.proto.services.leases.v1.ListResourcesRequest;
import org.containerj.proto.services.leases.v1.ListResourcesResponse;
import org.containerj.proto.services.leases.v1.ListResponse;
import org.containerj.proto.services.leases.v1.Resource;
import org.containerj.server.RequestNamespace;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;

import com.google.protobuf.Empty;
import com.google.protobuf.Timestamp;

import io.grpc.BindableService;
import io.grpc.stub.StreamObserver;

/** {@code containerd.services.leases.v1.Leases} ({@code ctr leases ...}). */
@Component(service = BindableService.class, property = {
        PluginProperties.TYPE + "=" + PluginTypes.GRPC,
        PluginProperties.ID + "=leases",
        PluginProperties.REQUIRES + "=" + PluginTypes.LEASE + ".manager" })
public class LeasesService extends LeasesGrpc.LeasesImplBase {

    @Reference
    private LeaseManager leases;

    /** What a deleted lease held is collected when a collector is there; leases work without it. */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private volatile GarbageCollector gc;

    @Override
    public void create(CreateRequest request, StreamObserver<CreateResponse> observer) {
        Lease lease = leases.create(RequestNamespace.current(), request.getId(), request.getLabelsMap());
        observer.onNext(CreateResponse.newBuilder().setLease(toProto(lease)).build());
        observer.onCompleted();
    }

    @Override
    public void delete(DeleteRequest request, StreamObserver<Empty> observer) {
        leases.delete(RequestNamespace.current(), request.getId());
        GarbageCollector collector = gc;
        if (collector != null) {
            if (request.getSync()) {
                collector.collect(); // containerd's sync: return once what the lease held is gone
            } else {
                collector.schedule();
            }
        }
        observer.onNext(Empty.getDefaultInstance());
        observer.onCompleted();
    }

    @Override
    public void list(ListRequest request, StreamObserver<ListResponse> observer) {
        ListResponse.Builder response = ListResponse.newBuilder();
        for (Lease lease : leases.list(RequestNamespace.current(), request.getFiltersList())) {
            response.addLeases(toProto(lease));
        }
        observer.onNext(response.build());
        observer.onCompleted();
    }

    @Override
    public void addResource(AddResourceRequest request, StreamObserver<Empty> observer) {
        leases.addResource(RequestNamespace.current(), request.getId(), fromProto(request.getResource()));
        observer.onNext(Empty.getDefaultInstance());
        observer.onCompleted();
    }

    @Override
    public void deleteResource(DeleteResourceRequest request, StreamObserver<Empty> observer) {
        leases.deleteResource(RequestNamespace.current(), request.getId(), fromProto(request.getResource()));
        observer.onNext(Empty.getDefaultInstance());
        observer.onCompleted();
    }

    @Override
    public void listResources(ListResourcesRequest request, StreamObserver<ListResourcesResponse> observer) {
        ListResourcesResponse.Builder response = ListResourcesResponse.newBuilder();
        for (LeaseResource r : leases.listResources(RequestNamespace.current(), request.getId())) {
            response.addResources(Resource.newBuilder().setId(r.id()).setType(r.type()));
        }
        observer.onNext(response.build());
        observer.onCompleted();
    }

    private static LeaseResource fromProto(Resource r) {
        return new LeaseResource(r.getId(), r.getType());
    }

    private static org.containerj.proto.services.leases.v1.Lease toProto(Lease lease) {
        return org.containerj.proto.services.leases.v1.Lease.newBuilder()
                .setId(lease.id())
                .setCreatedAt(Timestamp.newBuilder().setSeconds(lease.createdAt().getEpochSecond())
                        .setNanos(lease.createdAt().getNano()))
                .putAllLabels(lease.labels())
                .build();
    }
}
