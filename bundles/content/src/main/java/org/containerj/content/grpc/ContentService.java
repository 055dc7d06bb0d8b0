package org.containerj.content.grpc;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;

import org.containerj.api.content.ContentInfo;
import org.containerj.api.content.ContentStore;
import org.containerj.api.content.Digest;
import org.containerj.api.content.IngestStatus;
import org.containerj.api.content.NamespacedContentStore;
import org.containerj.api.errdefs.ContainerjException;
import org.containerj.api.errdefs.ErrorKind;
import org.containerj.api.plugin.PluginProperties;
import org.containerj.api.plugin.PluginTypes;
import org.containerj.proto.services.content.v1.AbortRequest;
import org.containerj.proto.services.content.v1.ContentGrpc;
import org.containerj.proto.services.content.v1.DeleteContentRequest;
import org.containerj.proto.services.content.v1.Info;
import org.containerj.proto.services.content.v1.InfoRequest;
import org.containerj.proto.services.content.v1.InfoResponse;
import org.containerj.proto.services.content.v1.ListContentRequest;
import org.containerj.proto.services.content.v1.ListContentResponse;
import org.containerj.proto.services.content.v1.ListStatusesRequest;
import org.containerj.proto.services.content.v1.ListStatusesResponse;
import org.containerj.proto.services.content.v1.ReadContentRequest;
import org.containerj.proto.services.content.v1.ReadContentResponse;
import org.containerj.proto.services.content.v1.Status;
import org.containerj.proto.services.content.v1.StatusRequest;
import org.containerj.proto.services.content.v1.StatusResponse;
import org.containerj.proto.services.content.v1.UpdateRequest;
import org.containerj.proto.services.content.v1.UpdateResponse;
import org.containerj.proto.services.content.v1.WriteContentRequest;
import org.containerj.proto.services.content.v1.WriteContentResponse;
import org.containerj.server.RequestNamespace;
import org.containerj.server.RequestLease;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

import com.google.protobuf.Empty;

import io.grpc.BindableService;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;

/**
 * {@code containerd.services.content.v1.Content} ({@code ctr content ...}, and what
 * {@code ctr images pull} writes through): a thin adapter over the namespaced content
 * store, in the namespace and lease of the call.
 */
@Component(service = BindableService.class, property = {
        PluginProperties.TYPE + "=" + PluginTypes.GRPC,
        PluginProperties.ID + "=content",
        PluginProperties.REQUIRES + "=" + PluginTypes.SERVICE + ".content-service" })
public class ContentService implements BindableService, ContentGrpc.AsyncService {
    /** Infos per List message, as containerd batches them. */
    static final int LIST_BATCH = 100;

    private final NamespacedContentStore content;

    @Activate
    public ContentService(@Reference(name = "content") NamespacedContentStore content) {
        this.content = content;
    }

    @Override
    public io.grpc.ServerServiceDefinition bindService() {
        return ContentGrpc.bindService(this);
    }

    private ContentStore store() {
        return content.forNamespace(RequestNamespace.current(), RequestLease.current());
    }

    @Override
    public void info(InfoRequest request, StreamObserver<InfoResponse> observer) {
        ContentInfo info = store().info(Digest.parse(request.getDigest()));
        observer.onNext(InfoResponse.newBuilder().setInfo(toProto(info)).build());
        observer.onCompleted();
    }

    @Override
    public void update(UpdateRequest request, StreamObserver<UpdateResponse> observer) {
        Info in = request.getInfo();
        ContentInfo wanted = new ContentInfo(Digest.parse(in.getDigest()), in.getSize(),
                ProtoTimes.fromProto(in.hasCreatedAt(), in.getCreatedAt()),
                ProtoTimes.fromProto(in.hasUpdatedAt(), in.getUpdatedAt()), in.getLabelsMap());
        ContentInfo updated = store().update(wanted, new LinkedHashSet<>(request.getUpdateMask().getPathsList()));
        observer.onNext(UpdateResponse.newBuilder().setInfo(toProto(updated)).build());
        observer.onCompleted();
    }

    @Override
    public void list(ListContentRequest request, StreamObserver<ListContentResponse> observer) {
        List<Info> batch = new ArrayList<>(LIST_BATCH);
        store().walk(request.getFiltersList(), info -> {
            batch.add(toProto(info));
            if (batch.size() >= LIST_BATCH) {
                observer.onNext(ListContentResponse.newBuilder().addAllInfo(batch).build());
                batch.clear();
            }
        });
        if (!batch.isEmpty()) {
            observer.onNext(ListContentResponse.newBuilder().addAllInfo(batch).build());
        }
        observer.onCompleted();
    }

    @Override
    public void delete(DeleteContentRequest request, StreamObserver<Empty> observer) {
        store().delete(Digest.parse(request.getDigest()));
        observer.onNext(Empty.getDefaultInstance());
        observer.onCompleted();
    }

    /**
     * Streams {@code size} bytes (all when 0 or beyond the end) from {@code offset}, in
     * chunks of at most 1 MiB, as fast as the client takes them. OUT_OF_RANGE when the
     * offset is past the end, as in containerd.
     */
    @Override
    public void read(ReadContentRequest request, StreamObserver<ReadContentResponse> observer) {
        Digest digest = Digest.parse(request.getDigest());
        ContentStore store = store();
        long blobSize = store.info(digest).size();
        long offset = Math.max(0, request.getOffset());
        if (offset > blobSize) {
            throw new ContainerjException(ErrorKind.OUT_OF_RANGE, "read past object length " + blobSize + " bytes");
        }
        long size = request.getSize();
        if (size <= 0 || offset + size > blobSize) {
            size = blobSize - offset;
        }
        new ReadStream(store.reader(digest), offset, size,
                (ServerCallStreamObserver<ReadContentResponse>) observer).start();
    }

    @Override
    public void status(StatusRequest request, StreamObserver<StatusResponse> observer) {
        IngestStatus status = store().status(request.getRef());
        observer.onNext(StatusResponse.newBuilder().setStatus(toProto(status)).build());
        observer.onCompleted();
    }

    @Override
    public void listStatuses(ListStatusesRequest request, StreamObserver<ListStatusesResponse> observer) {
        ListStatusesResponse.Builder response = ListStatusesResponse.newBuilder();
        for (IngestStatus status : store().listStatuses(request.getFiltersList())) {
            response.addStatuses(toProto(status));
        }
        observer.onNext(response.build());
        observer.onCompleted();
    }

    @Override
    public StreamObserver<WriteContentRequest> write(StreamObserver<WriteContentResponse> responses) {
        return new WriteSession(store(), responses);
    }

    @Override
    public void abort(AbortRequest request, StreamObserver<Empty> observer) {
        store().abort(request.getRef());
        observer.onNext(Empty.getDefaultInstance());
        observer.onCompleted();
    }

    static Info toProto(ContentInfo info) {
        return Info.newBuilder()
                .setDigest(info.digest().toString())
                .setSize(info.size())
                .setCreatedAt(ProtoTimes.toProto(info.createdAt()))
                .setUpdatedAt(ProtoTimes.toProto(info.updatedAt()))
                .putAllLabels(info.labels())
                .build();
    }

    static Status toProto(IngestStatus status) {
        return Status.newBuilder()
                .setRef(status.ref())
                .setOffset(status.offset())
                .setTotal(status.total())
                .setExpected(status.expected() == null ? "" : status.expected().toString())
                .setStartedAt(ProtoTimes.toProto(status.startedAt()))
                .setUpdatedAt(ProtoTimes.toProto(status.updatedAt()))
                .build();
    }
}
