package org.containerj.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.IntConsumer;

import org.containerj.proto.services.leases.v1.CreateRequest;
import org.containerj.proto.services.leases.v1.DeleteRequest;
import org.containerj.proto.services.leases.v1.LeasesGrpc;
import org.containerj.proto.services.namespaces.v1.CreateNamespaceRequest;
import org.containerj.proto.services.namespaces.v1.Namespace;
import org.containerj.proto.services.namespaces.v1.NamespacesGrpc;
import org.containerj.proto.services.snapshots.v1.CommitSnapshotRequest;
import org.containerj.proto.services.snapshots.v1.PrepareSnapshotRequest;
import org.containerj.proto.services.snapshots.v1.RemoveSnapshotRequest;
import org.containerj.proto.services.snapshots.v1.SnapshotsGrpc;
import org.containerj.proto.services.snapshots.v1.SnapshotsGrpc.SnapshotsBlockingStub;

import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;

/**
 * Snapshot operations per second against one daemon's Snapshots service: on top of one
 * committed base snapshot, {@code ops} times Prepare (active child of the base) then Commit
 * it, then Remove every committed child; each phase timed on its own. A first round of
 * {@code warmup} pairs is done and removed before the timed round, so that the JIT and the
 * connection are warm for both daemons alike. Every call carries a lease of its own, as a
 * real client's would: without one, containerd's garbage collector removes the committed
 * snapshots nothing refers to while the benchmark still uses them. Prints
 * {@code RESULT name value} lines: the rates, and the mean time of one call of each kind.
 *
 * <pre>
 * java -cp bench-client.jar:lib/* org.containerj.bench.SnapshotBench \
 *     --address SOCKET [--namespace NS] [--snapshotter overlayfs] [--ops N] [--warmup N]
 *     [--concurrency C] [--timeout-seconds S]
 * </pre>
 */
public final class SnapshotBench {
    private final SnapshotsBlockingStub snapshots;
    private final String snapshotter;
    private final int concurrency;
    private final long deadlineNanos;
    /** Time spent in each kind of call (summed over threads), for the mean latencies. */
    private final LongAdder prepareNanos = new LongAdder();
    private final LongAdder commitNanos = new LongAdder();
    private final LongAdder removeNanos = new LongAdder();

    private static final Metadata.Key<String> LEASE = Metadata.Key.of("containerd-lease", Metadata.ASCII_STRING_MARSHALLER);

    private SnapshotBench(DaemonChannel daemon, String lease, String snapshotter, int concurrency, long deadlineNanos) {
        Metadata headers = new Metadata();
        headers.put(LEASE, lease);
        this.snapshots = SnapshotsGrpc.newBlockingStub(daemon.channel)
                .withInterceptors(daemon.namespace, MetadataUtils.newAttachHeadersInterceptor(headers));
        this.snapshotter = snapshotter;
        this.concurrency = concurrency;
        this.deadlineNanos = deadlineNanos;
    }

    public static void main(String[] args) throws Exception {
        String address = null;
        String namespace = "bench";
        String snapshotter = "overlayfs";
        int ops = 500;
        int warmup = 50;
        int concurrency = 1;
        int timeoutSeconds = 300;
        for (int i = 0; i < args.length; i++) {
            String value = i + 1 < args.length ? args[i + 1] : null;
            switch (args[i]) {
                case "--address" -> address = value;
                case "--namespace" -> namespace = value;
                case "--snapshotter" -> snapshotter = value;
                case "--ops" -> ops = Integer.parseInt(value);
                case "--warmup" -> warmup = Integer.parseInt(value);
                case "--concurrency" -> concurrency = Integer.parseInt(value);
                case "--timeout-seconds" -> timeoutSeconds = Integer.parseInt(value);
                default -> usage("unknown argument " + args[i]);
            }
            i++;
        }
        if (address == null || ops < 1 || warmup < 0 || concurrency < 1 || timeoutSeconds < 1) {
            usage("--address is required; counts must be positive");
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
        try (DaemonChannel daemon = new DaemonChannel(address, namespace)) {
            createNamespace(daemon, namespace);
            String prefix = "b" + ProcessHandle.current().pid() + "-";
            var leases = LeasesGrpc.newBlockingStub(daemon.channel).withInterceptors(daemon.namespace);
            String lease = leases.withDeadlineAfter(30, TimeUnit.SECONDS)
                    .create(CreateRequest.newBuilder().setId(prefix + "lease").build()).getLease().getId();
            SnapshotBench bench = new SnapshotBench(daemon, lease, snapshotter, concurrency, deadline);
            bench.run(ops, warmup, prefix);
            leases.withDeadlineAfter(30, TimeUnit.SECONDS).delete(DeleteRequest.newBuilder().setId(lease).build());
        } catch (StatusRuntimeException e) {
            System.err.println("SnapshotBench: " + e.getStatus().getCode() + ": " + e.getStatus().getDescription());
            System.exit(1);
        } catch (java.util.concurrent.ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof StatusRuntimeException s) {
                System.err.println("SnapshotBench: " + s.getStatus().getCode() + ": " + s.getStatus().getDescription());
            } else {
                System.err.println("SnapshotBench: " + cause);
            }
            System.exit(1);
        }
    }

    private static void usage(String problem) {
        System.err.println("SnapshotBench: " + problem);
        System.err.println("usage: SnapshotBench --address SOCKET [--namespace NS] [--snapshotter NAME]"
                + " [--ops N] [--warmup N] [--concurrency C] [--timeout-seconds S]");
        System.exit(2);
    }

    private static void createNamespace(DaemonChannel daemon, String name) {
        try {
            // with the namespace header too: containerd publishes the creation as an event in it
            NamespacesGrpc.newBlockingStub(daemon.channel).withInterceptors(daemon.namespace)
                    .withDeadlineAfter(30, TimeUnit.SECONDS)
                    .create(CreateNamespaceRequest.newBuilder()
                            .setNamespace(Namespace.newBuilder().setName(name)).build());
        } catch (StatusRuntimeException e) {
            if (e.getStatus().getCode() != Status.Code.ALREADY_EXISTS) {
                throw e;
            }
        }
    }

    /** {@code prefix} keeps the keys of two runs apart, should one run leave snapshots behind. */
    private void run(int ops, int warmup, String prefix) throws Exception {
        String base = prefix + "base";
        prepare(base + "-active", "");
        commit(base, base + "-active");
        if (warmup > 0) {
            forEach(warmup, i -> pair(prefix + "warm-" + i, base));
            forEach(warmup, i -> remove(prefix + "warm-" + i));
        }
        prepareNanos.reset();
        commitNanos.reset();
        removeNanos.reset();
        long t0 = System.nanoTime();
        forEach(ops, i -> pair(prefix + "snap-" + i, base));
        long t1 = System.nanoTime();
        forEach(ops, i -> remove(prefix + "snap-" + i));
        long t2 = System.nanoTime();
        remove(base);
        System.out.printf("RESULT prepare_commit_per_s %.1f%n", ops / seconds(t1 - t0));
        System.out.printf("RESULT remove_per_s %.1f%n", ops / seconds(t2 - t1));
        System.out.printf("RESULT prepare_ms %.2f%n", prepareNanos.sum() / 1e6 / ops);
        System.out.printf("RESULT commit_ms %.2f%n", commitNanos.sum() / 1e6 / ops);
        System.out.printf("RESULT remove_ms %.2f%n", removeNanos.sum() / 1e6 / ops);
    }

    private static double seconds(long nanos) {
        return nanos / 1e9;
    }

    /** Prepare an active snapshot on {@code parent}, then commit it as {@code name}. */
    private void pair(String name, String parent) {
        prepare(name + "-active", parent);
        commit(name, name + "-active");
    }

    private SnapshotsBlockingStub stub() {
        long left = deadlineNanos - System.nanoTime();
        if (left <= 0) {
            throw new IllegalStateException("time limit reached");
        }
        return snapshots.withDeadlineAfter(left, TimeUnit.NANOSECONDS);
    }

    private void prepare(String key, String parent) {
        long t0 = System.nanoTime();
        stub().prepare(PrepareSnapshotRequest.newBuilder()
                .setSnapshotter(snapshotter).setKey(key).setParent(parent).build());
        prepareNanos.add(System.nanoTime() - t0);
    }

    private void commit(String name, String key) {
        long t0 = System.nanoTime();
        stub().commit(CommitSnapshotRequest.newBuilder()
                .setSnapshotter(snapshotter).setName(name).setKey(key).build());
        commitNanos.add(System.nanoTime() - t0);
    }

    private void remove(String key) {
        long t0 = System.nanoTime();
        stub().remove(RemoveSnapshotRequest.newBuilder().setSnapshotter(snapshotter).setKey(key).build());
        removeNanos.add(System.nanoTime() - t0);
    }

    /** Runs {@code step} for 0..count-1, split over {@code concurrency} threads. */
    private void forEach(int count, IntConsumer step) throws Exception {
        if (concurrency == 1) {
            for (int i = 0; i < count; i++) {
                step.accept(i);
            }
            return;
        }
        ExecutorService pool = Executors.newFixedThreadPool(concurrency);
        try {
            List<Future<?>> parts = new ArrayList<>();
            for (int t = 0; t < concurrency; t++) {
                int first = t;
                parts.add(pool.submit(() -> {
                    for (int i = first; i < count; i += concurrency) {
                        step.accept(i);
                    }
                }));
            }
            for (Future<?> part : parts) {
                part.get(Math.max(1, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
