package org.containerj.snapshots.grpc;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;

import org.containerj.api.mount.Mount;
import org.containerj.api.plugin.PluginProperties;
import org.containerj.api.plugin.PluginTypes;
import org.containerj.api.snapshots.NamespacedSnapshotters;
import org.containerj.api.snapshots.SnapshotInfo;
import org.containerj.api.snapshots.SnapshotKind;
import org.containerj.api.snapshots.SnapshotUsage;
import org.containerj.api.snapshots.Snapshotter;
import org.containerj.proto.services.snapshots.v1.CleanupRequest;
import org.containerj.proto.services.snapshots.v1.CommitSnapshotRequest;
import org.containerj.proto.services.snapshots.v1.Info;
import org.containerj.proto.services.snapshots.v1.Kind;
import org.containerj.proto.services.snapshots.v1.ListSnapshotsRequest;
import org.containerj.proto.services.snapshots.v1.ListSnapshotsResponse;
import org.containerj.proto.services.snapshots.v1.MountsRequest;
import org.containerj.proto.services.snapshots.v1.MountsResponse;
import org.containerj.proto.services.snapshots.v1.PrepareSnapshotRequest;
import org.containerj.proto.services.snapshots.v1.PrepareSnapshotResponse;
import org.containerj.proto.services.snapshots.v1.RemoveSnapshotRequest;
import org.containerj.proto.services.snapshots.v1.SnapshotsGrpc;
import org.containerj.proto.services.snapshots.v1.StatSnapshotRequest;
import org.containerj.proto.services.snapshots.v1.StatSnapshotResponse;
import org.containerj.proto.services.snapshots.v1.UpdateSnapshotRequest;
import org.containerj.proto.services.snapshots.v1.UpdateSnapshotResponse;
import org.containerj.proto.services.snapshots.v1.UsageRequest;
import org.containerj.proto.services.snapshots.v1.UsageResponse;
import org.containerj.proto.services.snapshots.v1.ViewSnapshotRequest;
import org.containerj.proto.services.snapshots.v1.ViewSnapshotResponse;
import org.containerj.server.RequestLease;
import org.containerj.server.RequestNamespace;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

import com.google.protobuf.Empty;
import com.google.protobuf.Timestamp;

import io.grpc.BindableService;
import io.grpc.ServerServiceDefinition;
import io.grpc.stub.StreamObserver;

/**
 * {@code containerd.services.snapshots.v1.Snapshots} ({@code ctr snapshots ...}): a thin
 * adapter over the namespaced snapshotters, in the namespace and lease of the call. The
 * snapshotter is the request's {@code snapshotter} field, {@value #DEFAULT_SNAPSHOTTER}
 * when empty (containerd's clients always name one).
 */
@Component(service = BindableService.class, property = {
        PluginProperties.TYPE + "=" + PluginTypes.GRPC,
        PluginProperties.ID + "=snapshots",
        PluginProperties.REQUIRES + "=" + PluginTypes.SERVICE + ".snapshots-service" })
public class SnapshotsService implements BindableService, SnapshotsGrpc.AsyncService {
    static final String DEFAULT_SNAPSHOTTER = "overlayfs";
    /** Infos per List message, as containerd batches them. */
    static final int LIST_BATCH = 100;

    private final NamespacedSnapshotters snapshotters;

    @Activate
    public SnapshotsService(@Reference(name = "snapshots") NamespacedSnapshotters snapshotters) {
        this.snapshotters = snapshotters;
    }

    @Override
    public ServerServiceDefinition bindService() {
        return SnapshotsGrpc.bindService(this);
    }

    private Snapshotter snapshotter(String name) {
        return snapshotters.forNamespace(name == null || name.isEmpty() ? DEFAULT_SNAPSHOTTER : name,
                RequestNamespace.current(), RequestLease.current());
    }

    @Override
    public void prepare(PrepareSnapshotRequest request, StreamObserver<PrepareSnapshotResponse> observer) {
        List<Mount> mounts = snapshotter(request.getSnapshotter()).prepare(request.getKey(), request.getParent(),
                request.getLabelsMap());
        observer.onNext(PrepareSnapshotResponse.newBuilder().addAllMounts(toProto(mounts)).build());
        observer.onCompleted();
    }

    @Override
    public void view(ViewSnapshotRequest request, StreamObserver<ViewSnapshotResponse> observer) {
        List<Mount> mounts = snapshotter(request.getSnapshotter()).view(request.getKey(), request.getParent(),
                request.getLabelsMap());
        observer.onNext(ViewSnapshotResponse.newBuilder().addAllMounts(toProto(mounts)).build());
        observer.onCompleted();
    }

    @Override
    public void mounts(MountsRequest request, StreamObserver<MountsResponse> observer) {
        List<Mount> mounts = snapshotter(request.getSnapshotter()).mounts(request.getKey());
        observer.onNext(MountsResponse.newBuilder().addAllMounts(toProto(mounts)).build());
        observer.onCompleted();
    }

    @Override
    public void commit(CommitSnapshotRequest request, StreamObserver<Empty> observer) {
        snapshotter(request.getSnapshotter()).commit(request.getName(), request.getKey(), request.getLabelsMap());
        observer.onNext(Empty.getDefaultInstance());
        observer.onCompleted();
    }

    @Override
    public void remove(RemoveSnapshotRequest request, StreamObserver<Empty> observer) {
        snapshotter(request.getSnapshotter()).remove(request.getKey());
        observer.onNext(Empty.getDefaultInstance());
        observer.onCompleted();
    }

    @Override
    public void stat(StatSnapshotRequest request, StreamObserver<StatSnapshotResponse> observer) {
        SnapshotInfo info = snapshotter(request.getSnapshotter()).stat(request.getKey());
        observer.onNext(StatSnapshotResponse.newBuilder().setInfo(toProto(info)).build());
        observer.onCompleted();
    }

    @Override
    public void update(UpdateSnapshotRequest request, StreamObserver<UpdateSnapshotResponse> observer) {
        Info in = request.getInfo();
        SnapshotInfo wanted = new SnapshotInfo(in.getName(), in.getParent(), SnapshotKind.UNKNOWN, in.getLabelsMap(),
                Instant.EPOCH, Instant.EPOCH);
        SnapshotInfo updated = snapshotter(request.getSnapshotter()).update(wanted,
                new LinkedHashSet<>(request.getUpdateMask().getPathsList()));
        observer.onNext(UpdateSnapshotResponse.newBuilder().setInfo(toProto(updated)).build());
        observer.onCompleted();
    }

    @Override
    public void list(ListSnapshotsRequest request, StreamObserver<ListSnapshotsResponse> observer) {
        List<Info> batch = new ArrayList<>(LIST_BATCH);
        snapshotter(request.getSnapshotter()).walk(request.getFiltersList(), info -> {
            batch.add(toProto(info));
            if (batch.size() >= LIST_BATCH) {
                observer.onNext(ListSnapshotsResponse.newBuilder().addAllInfo(batch).build());
                batch.clear();
            }
        });
        if (!batch.isEmpty()) {
            observer.onNext(ListSnapshotsResponse.newBuilder().addAllInfo(batch).build());
        }
        observer.onCompleted();
    }

    @Override
    public void usage(UsageRequest request, StreamObserver<UsageResponse> observer) {
        SnapshotUsage usage = snapshotter(request.getSnapshotter()).usage(request.getKey());
        observer.onNext(UsageResponse.newBuilder().setSize(usage.size()).setInodes(usage.inodes()).build());
        observer.onCompleted();
    }

    @Override
    public void cleanup(CleanupRequest request, StreamObserver<Empty> observer) {
        snapshotter(request.getSnapshotter()).cleanup();
        observer.onNext(Empty.getDefaultInstance());
        observer.onCompleted();
    }

    static List<org.containerj.proto.types.Mount> toProto(List<Mount> mounts) {
        List<org.containerj.proto.types.Mount> out = new ArrayList<>(mounts.size());
        for (Mount m : mounts) {
            out.add(org.containerj.proto.types.Mount.newBuilder()
                    .setType(m.type() == null ? "" : m.type())
                    .setSource(m.source() == null ? "" : m.source())
                    .setTarget(m.target())
                    .addAllOptions(m.options())
                    .build());
        }
        return out;
    }

    static Info toProto(SnapshotInfo info) {
        Kind kind = Kind.forNumber(info.kind().wire());
        return Info.newBuilder()
                .setName(info.name())
                .setParent(info.parent())
                .setKind(kind == null ? Kind.UNKNOWN : kind)
                .setCreatedAt(timestamp(info.createdAt()))
                .setUpdatedAt(timestamp(info.updatedAt()))
                .putAllLabels(info.labels())
                .build();
    }

    private static Timestamp timestamp(Instant t) {
        Instant i = t == null ? Instant.EPOCH : t;
        return Timestamp.newBuilder().setSeconds(i.getEpochSecond()).setNanos(i.getNano()).build();
    }
}
