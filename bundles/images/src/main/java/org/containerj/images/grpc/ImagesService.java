package org.containerj.images.grpc;

import org.containerj.api.content.Digest;
import org.containerj.api.errdefs.ContainerjException;
import org.containerj.api.images.Image;
import org.containerj.api.images.ImageStore;
import org.containerj.api.plugin.PluginProperties;
import org.containerj.api.plugin.PluginTypes;
import org.containerj.images.impl.ImageRecords;
import org.containerj.proto.services.images.v1.CreateImageRequest;
import org.containerj.proto.services.images.v1.CreateImageResponse;
import org.containerj.proto.services.images.v1.DeleteImageRequest;
import org.containerj.proto.services.images.v1.GetImageRequest;
import org.containerj.proto.services.images.v1.GetImageResponse;
import org.containerj.proto.services.images.v1.ImagesGrpc;
import org.containerj.proto.services.images.v1.ListImagesRequest;
import org.containerj.proto.services.images.v1.ListImagesResponse;
import org.containerj.proto.services.images.v1.UpdateImageRequest;
import org.containerj.proto.services.images.v1.UpdateImageResponse;
import org.containerj.server.RequestNamespace;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

import com.google.protobuf.Empty;

import io.grpc.BindableService;
import io.grpc.stub.StreamObserver;

/** {@code containerd.services.images.v1.Images} ({@code ctr images ...}) over the images-service plugin. */
@Component(service = BindableService.class, property = {
        PluginProperties.TYPE + "=" + PluginTypes.GRPC,
        PluginProperties.ID + "=images",
        PluginProperties.REQUIRES + "=" + PluginTypes.SERVICE + ".images-service" })
public class ImagesService extends ImagesGrpc.ImagesImplBase {
    private final ImageStore images;

    @Activate
    public ImagesService(@Reference(name = "images", target = "(" + PluginProperties.ID + "=images-service)")
            ImageStore images) {
        this.images = images;
    }

    @Override
    public void get(GetImageRequest request, StreamObserver<GetImageResponse> observer) {
        Image image = images.get(RequestNamespace.current(), request.getName());
        observer.onNext(GetImageResponse.newBuilder().setImage(ImageRecords.toProto(image)).build());
        observer.onCompleted();
    }

    @Override
    public void list(ListImagesRequest request, StreamObserver<ListImagesResponse> observer) {
        ListImagesResponse.Builder response = ListImagesResponse.newBuilder();
        for (Image image : images.list(RequestNamespace.current(), request.getFiltersList())) {
            response.addImages(ImageRecords.toProto(image));
        }
        observer.onNext(response.build());
        observer.onCompleted();
    }

    @Override
    public void create(CreateImageRequest request, StreamObserver<CreateImageResponse> observer) {
        Image created = images.create(RequestNamespace.current(), ImageRecords.fromProto(request.getImage()));
        observer.onNext(CreateImageResponse.newBuilder().setImage(ImageRecords.toProto(created)).build());
        observer.onCompleted();
    }

    @Override
    public void update(UpdateImageRequest request, StreamObserver<UpdateImageResponse> observer) {
        Image updated = images.update(RequestNamespace.current(), ImageRecords.fromProto(request.getImage()),
                request.hasUpdateMask() ? request.getUpdateMask().getPathsList() : java.util.List.of());
        observer.onNext(UpdateImageResponse.newBuilder().setImage(ImageRecords.toProto(updated)).build());
        observer.onCompleted();
    }

    @Override
    public void delete(DeleteImageRequest request, StreamObserver<Empty> observer) {
        Digest target = null;
        if (request.hasTarget() && !request.getTarget().getDigest().isEmpty()) {
            try {
                target = Digest.parse(request.getTarget().getDigest());
            } catch (ContainerjException e) {
                throw ContainerjException.invalidArgument("target digest: %s", e.getMessage());
            }
        }
        images.delete(RequestNamespace.current(), request.getName(), target, request.getSync());
        observer.onNext(Empty.getDefaultInstance());
        observer.onCompleted();
    }
}
