package org.containerj.diff.grpc;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

import org.containerj.api.content.Descriptor;
import org.containerj.api.content.Digest;
import org.containerj.api.diff.Applier;
import org.containerj.api.diff.Comparer;
import org.containerj.api.diff.DiffOptions;
import org.containerj.api.errdefs.ContainerjException;
import org.containerj.api.errdefs.ErrorKind;
import org.containerj.api.mount.Mount;
import org.containerj.api.plugin.PluginProperties;
import org.containerj.api.plugin.PluginTypes;
import org.containerj.proto.services.diff.v1.ApplyRequest;
import org.containerj.proto.services.diff.v1.ApplyResponse;
import org.containerj.proto.services.diff.v1.DiffGrpc;
import org.containerj.proto.services.diff.v1.DiffRequest;
import org.containerj.proto.services.diff.v1.DiffResponse;
import org.containerj.server.RequestLease;
import org.containerj.server.RequestNamespace;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;

import io.grpc.BindableService;
import io.grpc.ServerServiceDefinition;
import io.grpc.stub.StreamObserver;

/**
 * {@code containerd.services.diff.v1.Diff} ({@code ctr images pull} unpacks through Apply,
 * {@code ctr snapshots diff} calls Diff): a thin adapter over the differ plugins. As in
 * containerd's diff service, the differs are tried in the order of the {@code default}
 * list of {@code [plugins."io.containerd.service.v1.diff-service"]} (default
 * {@code ["walking"]}); one that answers NOT_IMPLEMENTED passes the call to the next.
 * Differs are looked up per call, so they can come and go.
 */
@Component(service = BindableService.class, configurationPid = DiffService.PID,
        configurationPolicy = ConfigurationPolicy.OPTIONAL, property = {
        PluginProperties.TYPE + "=" + PluginTypes.GRPC,
        PluginProperties.ID + "=diff",
        PluginProperties.REQUIRES + "=" + PluginTypes.DIFFER + ".*" })
public class DiffService implements BindableService, DiffGrpc.AsyncService {
    /** containerd configures the order of differs in the diff-service table. */
    public static final String PID = PluginTypes.SERVICE + ".diff-service";
    static final String DEFAULT_KEY = "default";

    private final Map<String, Applier> appliers = new ConcurrentHashMap<>();
    private final Map<String, Comparer> comparers = new ConcurrentHashMap<>();
    private volatile List<String> order = List.of("walking");

    /** For tests and plain Java: fixed differs, in order. */
    public DiffService(Map<String, Applier> appliers, Map<String, Comparer> comparers, List<String> order) {
        this.appliers.putAll(appliers);
        this.comparers.putAll(comparers);
        this.order = List.copyOf(order);
    }

    @Activate
    public DiffService(Map<String, Object> config) {
        modified(config);
    }

    @Modified
    void modified(Map<String, Object> config) {
        Object value = config.get(DEFAULT_KEY);
        List<String> ids = new ArrayList<>();
        if (value instanceof String[] a) {
            ids.addAll(List.of(a));
        } else if (value instanceof Iterable<?> it) {
            it.forEach(o -> ids.add(String.valueOf(o)));
        } else if (value != null) {
            ids.add(String.valueOf(value));
        }
        order = ids.isEmpty() ? List.of("walking") : List.copyOf(ids);
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            target = "(" + PluginProperties.TYPE + "=" + PluginTypes.DIFFER + ")")
    void addApplier(Applier applier, Map<String, Object> props) {
        appliers.put(String.valueOf(props.get(PluginProperties.ID)), applier);
    }

    void removeApplier(Applier applier, Map<String, Object> props) {
        appliers.remove(String.valueOf(props.get(PluginProperties.ID)), applier);
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            target = "(" + PluginProperties.TYPE + "=" + PluginTypes.DIFFER + ")")
    void addComparer(Comparer comparer, Map<String, Object> props) {
        comparers.put(String.valueOf(props.get(PluginProperties.ID)), comparer);
    }

    void removeComparer(Comparer comparer, Map<String, Object> props) {
        comparers.remove(String.valueOf(props.get(PluginProperties.ID)), comparer);
    }

    @Override
    public ServerServiceDefinition bindService() {
        return DiffGrpc.bindService(this);
    }

    @Override
    public void apply(ApplyRequest request, StreamObserver<ApplyResponse> observer) {
        String namespace = RequestNamespace.current();
        Descriptor layer = fromProto(request.getDiff());
        List<Mount> mounts = request.getMountsList().stream().map(DiffService::fromProto).toList();
        Map<String, byte[]> payloads = new LinkedHashMap<>();
        request.getPayloadsMap().forEach((k, v) -> payloads.put(k, v.toByteArray()));
        Descriptor applied = firstImplemented(appliers, "applier",
                a -> a.apply(namespace, layer, mounts, payloads, request.getSyncFs()));
        observer.onNext(ApplyResponse.newBuilder().setApplied(toProto(applied)).build());
        observer.onCompleted();
    }

    @Override
    public void diff(DiffRequest request, StreamObserver<DiffResponse> observer) {
        String namespace = RequestNamespace.current();
        String lease = RequestLease.current();
        List<Mount> left = request.getLeftList().stream().map(DiffService::fromProto).toList();
        List<Mount> right = request.getRightList().stream().map(DiffService::fromProto).toList();
        Instant epoch = request.hasSourceDateEpoch() ? Instant.ofEpochSecond(request.getSourceDateEpoch().getSeconds(),
                request.getSourceDateEpoch().getNanos()) : null;
        DiffOptions options = new DiffOptions(request.getMediaType(), request.getRef(), request.getLabelsMap(), epoch);
        Descriptor diff = firstImplemented(comparers, "comparer", c -> c.compare(namespace, lease, left, right, options));
        observer.onNext(DiffResponse.newBuilder().setDiff(toProto(diff)).build());
        observer.onCompleted();
    }

    private <S> Descriptor firstImplemented(Map<String, S> differs, String role, Function<S, Descriptor> call) {
        ContainerjException last = null;
        for (String id : order) {
            S differ = differs.get(id);
            if (differ == null) {
                continue;
            }
            try {
                return call.apply(differ);
            } catch (ContainerjException e) {
                if (e.kind() != ErrorKind.NOT_IMPLEMENTED) {
                    throw e;
                }
                last = e;
            }
        }
        if (last != null) {
            throw last;
        }
        throw ContainerjException.unavailable("no %s available: plugin %s %s not loaded", role, PluginTypes.DIFFER,
                order);
    }

    static Descriptor fromProto(org.containerj.proto.types.Descriptor d) {
        return new Descriptor(d.getMediaType(), Digest.parse(d.getDigest()), d.getSize(), d.getAnnotationsMap(), null);
    }

    static org.containerj.proto.types.Descriptor toProto(Descriptor d) {
        return org.containerj.proto.types.Descriptor.newBuilder().setMediaType(d.mediaType())
                .setDigest(d.digest().toString()).setSize(d.size()).putAllAnnotations(d.annotations()).build();
    }

    static Mount fromProto(org.containerj.proto.types.Mount m) {
        return new Mount(m.getType(), m.getSource(), m.getTarget(), m.getOptionsList());
    }
}
