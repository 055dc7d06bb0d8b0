package org.containerj.snapshots.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.containerj.api.errdefs.ContainerjException;
import org.containerj.api.leases.LeaseResource;
import org.containerj.leases.impl.MetadataLeaseManager;
import org.containerj.metadata.impl.LmdbMetadataStore;
import org.containerj.proto.services.snapshots.v1.CleanupRequest;
import org.containerj.proto.services.snapshots.v1.CommitSnapshotRequest;
import org.containerj.proto.services.snapshots.v1.Info;
import org.containerj.proto.services.snapshots.v1.Kind;
import org.containerj.proto.services.snapshots.v1.ListSnapshotsRequest;
import org.containerj.proto.services.snapshots.v1.ListSnapshotsResponse;
import org.containerj.proto.services.snapshots.v1.MountsRequest;
import org.containerj.proto.services.snapshots.v1.PrepareSnapshotRequest;
import org.containerj.proto.services.snapshots.v1.RemoveSnapshotRequest;
import org.containerj.proto.services.snapshots.v1.SnapshotsGrpc;
import org.containerj.proto.services.snapshots.v1.StatSnapshotRequest;
import org.containerj.proto.services.snapshots.v1.UpdateSnapshotRequest;
import org.containerj.proto.services.snapshots.v1.UsageRequest;
import org.containerj.proto.services.snapshots.v1.ViewSnapshotRequest;
import org.containerj.proto.types.Mount;
import org.containerj.server.GrpcErrors;
import org.containerj.server.RequestContextInterceptor;
import org.containerj.snapshots.impl.MetadataSnapshotters;
import org.containerj.snapshots.impl.StoreSnapshotter;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.google.protobuf.FieldMask;

import io.grpc.ForwardingServerCallListener;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.MetadataUtils;

/** The Snapshots service as ctr calls it, over grpc's in-process transport. */
class SnapshotsServiceTest {
    @TempDir
    Path dir;
    private LmdbMetadataStore db;
    private StoreSnapshotter backend;
    private Server server;
    private ManagedChannel channel;

    /** What the API server does around a service: errors to statuses. */
    private static final class AsTheServerDoes implements ServerInterceptor {
        @Override
        public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                ServerCallHandler<Q, R> next) {
            ServerCall.Listener<Q> listener = next.startCall(call, headers);
            return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(listener) {
                @Override
                public void onHalfClose() {
                    try {
                        super.onHalfClose();
                    } catch (ContainerjException e) {
                        call.close(GrpcErrors.toStatus(e).getStatus(), new Metadata());
                    }
                }
            };
        }
    }

    @BeforeEach
    void start() throws Exception {
        db = LmdbMetadataStore.open(Files.createDirectories(dir.resolve("meta")), LmdbMetadataStore.Options.defaults(),
                List.of());
        backend = new StoreSnapshotter(dir.resolve("overlayfs"));
        MetadataSnapshotters snapshots = new MetadataSnapshotters(db, id -> {
            if (id.equals("overlayfs")) {
                return backend;
            }
            if (id.equals("stopped")) {
                throw ContainerjException.unavailable("plugin io.containerd.snapshotter.v1.stopped is not available");
            }
            throw ContainerjException.invalidArgument("snapshotter not loaded: %s: invalid argument", id);
        }, (ns, topic, event) -> { }, Runnable::run);
        SnapshotsService service = new SnapshotsService(snapshots::forNamespace);
        String name = InProcessServerBuilder.generateName();
        server = InProcessServerBuilder.forName(name).directExecutor()
                .addService(ServerInterceptors.intercept(service, new AsTheServerDoes(), new RequestContextInterceptor()))
                .build().start();
        channel = InProcessChannelBuilder.forName(name).directExecutor().build();
    }

    @AfterEach
    void stop() throws Exception {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        backend.close();
        db.close();
    }

    private SnapshotsGrpc.SnapshotsBlockingStub client(String namespace, String lease) {
        Metadata headers = new Metadata();
        headers.put(RequestContextInterceptor.NAMESPACE_HEADER, namespace);
        if (lease != null) {
            headers.put(RequestContextInterceptor.LEASE_HEADER, lease);
        }
        return SnapshotsGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS)
                .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
    }

    private SnapshotsGrpc.SnapshotsBlockingStub client(String namespace) {
        return client(namespace, null);
    }

    private static Status.Code codeOf(Runnable r) {
        return assertThrows(StatusRuntimeException.class, r::run).getStatus().getCode();
    }

    private static PrepareSnapshotRequest prepare(String key, String parent) {
        return PrepareSnapshotRequest.newBuilder().setSnapshotter("overlayfs").setKey(key).setParent(parent)
                .putLabels("containerd.io/gc.root", "2024-01-01T00:00:00Z").build();
    }

    @Test
    void ctrSnapshotsRoundTrip() {
        var c = client("default");
        List<Mount> mounts = c.prepare(prepare("k1", "")).getMountsList();
        assertEquals(1, mounts.size());
        assertEquals("bind", mounts.get(0).getType());
        assertEquals(mounts, c.mounts(MountsRequest.newBuilder().setSnapshotter("overlayfs").setKey("k1").build())
                .getMountsList());
        c.commit(CommitSnapshotRequest.newBuilder().setSnapshotter("overlayfs").setName("base").setKey("k1").build());
        c.prepare(prepare("k2", "base"));
        c.view(ViewSnapshotRequest.newBuilder().setSnapshotter("overlayfs").setKey("v").setParent("base").build());

        Info base = c.stat(StatSnapshotRequest.newBuilder().setSnapshotter("overlayfs").setKey("base").build()).getInfo();
        assertEquals(Kind.COMMITTED, base.getKind());
        assertTrue(base.getCreatedAt().getSeconds() > 0);
        Info k2 = c.stat(StatSnapshotRequest.newBuilder().setSnapshotter("overlayfs").setKey("k2").build()).getInfo();
        assertEquals("base", k2.getParent());
        assertEquals(Kind.ACTIVE, k2.getKind());
        assertEquals("2024-01-01T00:00:00Z", k2.getLabelsOrThrow("containerd.io/gc.root"));

        Info updated = c.update(UpdateSnapshotRequest.newBuilder().setSnapshotter("overlayfs")
                .setInfo(Info.newBuilder().setName("k2").putLabels("team", "a"))
                .setUpdateMask(FieldMask.newBuilder().addPaths("labels.team")).build()).getInfo();
        assertEquals(Map.of("containerd.io/gc.root", "2024-01-01T00:00:00Z", "team", "a"), updated.getLabelsMap());

        assertTrue(c.usage(UsageRequest.newBuilder().setSnapshotter("overlayfs").setKey("k2").build()).getSize() > 0);

        List<String> names = new ArrayList<>();
        c.list(ListSnapshotsRequest.newBuilder().setSnapshotter("overlayfs").build())
                .forEachRemaining(r -> r.getInfoList().forEach(i -> names.add(i.getName())));
        assertEquals(List.of("base", "k2", "v"), names);
        names.clear();
        c.list(ListSnapshotsRequest.newBuilder().setSnapshotter("overlayfs").addFilters("labels.team==a").build())
                .forEachRemaining(r -> r.getInfoList().forEach(i -> names.add(i.getName())));
        assertEquals(List.of("k2"), names);

        c.remove(RemoveSnapshotRequest.newBuilder().setSnapshotter("overlayfs").setKey("v").build());
        c.remove(RemoveSnapshotRequest.newBuilder().setSnapshotter("overlayfs").setKey("k2").build());
        c.remove(RemoveSnapshotRequest.newBuilder().setSnapshotter("overlayfs").setKey("base").build());
        c.cleanup(CleanupRequest.newBuilder().setSnapshotter("overlayfs").build());
        assertEquals(List.of(), backendKeys());
    }

    private List<String> backendKeys() {
        List<String> keys = new ArrayList<>();
        backend.walk(List.of(), i -> keys.add(i.name()));
        return keys;
    }

    @Test
    void errorsAsContainerdSendsThem() {
        var c = client("default");
        c.prepare(prepare("k", ""));
        assertEquals(Status.Code.ALREADY_EXISTS, codeOf(() -> c.prepare(prepare("k", ""))));
        assertEquals(Status.Code.NOT_FOUND,
                codeOf(() -> c.stat(StatSnapshotRequest.newBuilder().setSnapshotter("overlayfs").setKey("x").build())));
        assertEquals(Status.Code.NOT_FOUND, codeOf(() -> c.prepare(prepare("k2", "missing"))));
        c.commit(CommitSnapshotRequest.newBuilder().setSnapshotter("overlayfs").setName("K").setKey("k").build());
        c.prepare(prepare("child", "K"));
        assertEquals(Status.Code.FAILED_PRECONDITION,
                codeOf(() -> c.remove(RemoveSnapshotRequest.newBuilder().setSnapshotter("overlayfs").setKey("K").build())));
        assertEquals(Status.Code.INVALID_ARGUMENT, codeOf(() -> c.list(
                ListSnapshotsRequest.newBuilder().setSnapshotter("overlayfs").addFilters("name==\"").build()).hasNext()));

        StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                () -> c.stat(StatSnapshotRequest.newBuilder().setSnapshotter("zfs").setKey("k").build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
        assertEquals("snapshotter not loaded: zfs: invalid argument", e.getStatus().getDescription());
        e = assertThrows(StatusRuntimeException.class,
                () -> c.stat(StatSnapshotRequest.newBuilder().setSnapshotter("stopped").setKey("k").build()));
        assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode());
        assertTrue(e.getStatus().getDescription().contains("io.containerd.snapshotter.v1.stopped"));
    }

    @Test
    void namespacesAndTheDefaultSnapshotter() {
        client("one").prepare(PrepareSnapshotRequest.newBuilder().setKey("k").build()); // no snapshotter named
        assertEquals(Status.Code.NOT_FOUND,
                codeOf(() -> client("two").stat(StatSnapshotRequest.newBuilder().setSnapshotter("overlayfs").setKey("k").build())));
        assertEquals(Kind.ACTIVE,
                client("one").stat(StatSnapshotRequest.newBuilder().setSnapshotter("overlayfs").setKey("k").build())
                        .getInfo().getKind());
    }

    @Test
    void listIsSentInBatches() {
        var c = client("default");
        for (int i = 0; i < 230; i++) {
            c.prepare(prepare("k" + i, ""));
        }
        Iterator<ListSnapshotsResponse> it = c.list(ListSnapshotsRequest.newBuilder().setSnapshotter("overlayfs").build());
        List<Integer> sizes = new ArrayList<>();
        it.forEachRemaining(r -> sizes.add(r.getInfoCount()));
        assertEquals(List.of(100, 100, 30), sizes);
    }

    @Test
    void leaseHeaderHoldsPreparedSnapshots() {
        MetadataLeaseManager leases = new MetadataLeaseManager(db);
        leases.create("default", "l1", Map.of());
        client("default", "l1").prepare(prepare("k", ""));
        assertEquals(List.of(new LeaseResource("k", "snapshots/overlayfs")), leases.listResources("default", "l1"));
        assertEquals(Status.Code.NOT_FOUND, codeOf(() -> client("default", "nope").prepare(prepare("k2", ""))));
    }
}
