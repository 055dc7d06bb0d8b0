package org.containerj.proto;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.EnumDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor.Type;
import com.google.protobuf.Descriptors.ServiceDescriptor;
import com.google.protobuf.InvalidProtocolBufferException;
import io.grpc.MethodDescriptor;
import java.io.InputStream;
import java.util.List;
import java.util.Map;
import org.containerj.proto.events.TaskExit;
import org.containerj.proto.runc.v1.Options;
import org.containerj.proto.services.containers.v1.Container;
import org.containerj.proto.services.content.v1.WriteAction;
import org.containerj.proto.services.content.v1.WriteContentRequest;
import org.containerj.proto.services.events.v1.Envelope;
import org.containerj.proto.services.images.v1.ImageCreate;
import org.containerj.proto.services.introspection.v1.IntrospectionGrpc;
import org.containerj.proto.services.introspection.v1.IntrospectionProto;
import org.containerj.proto.services.introspection.v1.Plugin;
import org.containerj.proto.services.namespaces.v1.Namespace;
import org.containerj.proto.services.namespaces.v1.NamespacesGrpc;
import org.containerj.proto.services.snapshots.v1.SnapshotsGrpc;
import org.containerj.proto.services.tasks.v1.CreateTaskRequest;
import org.containerj.proto.services.tasks.v1.TasksGrpc;
import org.containerj.proto.services.version.v1.VersionGrpc;
import org.containerj.proto.services.version.v1.VersionResponse;
import org.containerj.proto.types.Descriptor.Builder;
import org.containerj.proto.types.Mount;
import org.containerj.proto.v1.types.Process;
import org.containerj.proto.v1.types.Status;
import org.junit.jupiter.api.Test;

/**
 * containerd clients only interoperate if package, message, field names and numbers
 * match containerd's exactly. These checks pin a sample of them.
 */
class WireNamesTest {

    /** Asserts that message m has field name with number and type. */
    private static FieldDescriptor field(Descriptor m, String name, int number, Type type) {
        FieldDescriptor f = m.findFieldByName(name);
        assertNotNull(f, m.getFullName() + " has no field " + name);
        assertEquals(number, f.getNumber(), m.getFullName() + "." + name + " number");
        assertEquals(type, f.getType(), m.getFullName() + "." + name + " type");
        return f;
    }

    @Test
    void serviceNames() {
        assertEquals("containerd.services.namespaces.v1.Namespaces", NamespacesGrpc.SERVICE_NAME);
        assertEquals("containerd.services.version.v1.Version", VersionGrpc.SERVICE_NAME);
        assertEquals("containerd.services.introspection.v1.Introspection", IntrospectionGrpc.SERVICE_NAME);
        assertEquals("containerd.services.tasks.v1.Tasks", TasksGrpc.SERVICE_NAME);
        assertEquals("containerd.services.snapshots.v1.Snapshots", SnapshotsGrpc.SERVICE_NAME);
        assertEquals("containerd.services.introspection.v1.Introspection/Server",
            IntrospectionGrpc.getServerMethod().getFullMethodName());
        assertEquals("containerd.services.version.v1.Version/Version",
            VersionGrpc.getVersionMethod().getFullMethodName());
        assertEquals(MethodDescriptor.MethodType.BIDI_STREAMING,
            org.containerj.proto.services.content.v1.ContentGrpc.getWriteMethod().getType());
    }

    @Test
    void namespaceFields() {
        Descriptor ns = Namespace.getDescriptor();
        assertEquals("containerd.services.namespaces.v1.Namespace", ns.getFullName());
        field(ns, "name", 1, Type.STRING);
        FieldDescriptor labels = field(ns, "labels", 2, Type.MESSAGE);
        assertTrue(labels.isMapField());
    }

    @Test
    void introspectionPluginFields() {
        Descriptor p = Plugin.getDescriptor();
        field(p, "type", 1, Type.STRING);
        field(p, "id", 2, Type.STRING);
        field(p, "requires", 3, Type.STRING);
        assertEquals("containerd.types.Platform",
            field(p, "platforms", 4, Type.MESSAGE).getMessageType().getFullName());
        assertTrue(field(p, "exports", 5, Type.MESSAGE).isMapField());
        field(p, "capabilities", 6, Type.STRING);
        assertEquals("google.rpc.Status",
            field(p, "init_err", 7, Type.MESSAGE).getMessageType().getFullName());
        Descriptor server = IntrospectionProto.getDescriptor().findMessageTypeByName("ServerResponse");
        field(server, "uuid", 1, Type.STRING);
        field(server, "pid", 2, Type.UINT64);
        field(server, "pidns", 3, Type.UINT64);
    }

    @Test
    void commonTypes() {
        Descriptor mount = Mount.getDescriptor();
        assertEquals("containerd.types.Mount", mount.getFullName());
        field(mount, "type", 1, Type.STRING);
        field(mount, "source", 2, Type.STRING);
        field(mount, "target", 3, Type.STRING);
        field(mount, "options", 4, Type.STRING);

        Descriptor desc = org.containerj.proto.types.Descriptor.getDescriptor();
        field(desc, "media_type", 1, Type.STRING);
        field(desc, "digest", 2, Type.STRING);
        field(desc, "size", 3, Type.INT64);
        field(desc, "annotations", 5, Type.MESSAGE);

        Descriptor process = Process.getDescriptor();
        assertEquals("containerd.v1.types.Process", process.getFullName());
        field(process, "status", 4, Type.ENUM);
        field(process, "exit_status", 9, Type.UINT32);
        EnumDescriptor status = Status.getDescriptor();
        assertEquals("containerd.v1.types.Status", status.getFullName());
        assertEquals(2, status.findValueByName("RUNNING").getNumber());
        assertEquals(5, status.findValueByName("PAUSING").getNumber());
    }

    @Test
    void eventTypeNames() {
        assertEquals("containerd.events.TaskExit", TaskExit.getDescriptor().getFullName());
        field(TaskExit.getDescriptor(), "exit_status", 4, Type.UINT32);
        field(TaskExit.getDescriptor(), "exited_at", 5, Type.MESSAGE);
        // image events live in the images service package, not in containerd.events
        assertEquals("containerd.services.images.v1.ImageCreate", ImageCreate.getDescriptor().getFullName());
        Descriptor env = Envelope.getDescriptor();
        field(env, "timestamp", 1, Type.MESSAGE);
        field(env, "namespace", 2, Type.STRING);
        field(env, "topic", 3, Type.STRING);
        field(env, "event", 4, Type.MESSAGE);
    }

    @Test
    void tasksAndContainers() {
        Descriptor create = CreateTaskRequest.getDescriptor();
        field(create, "container_id", 1, Type.STRING);
        field(create, "rootfs", 3, Type.MESSAGE);
        field(create, "checkpoint", 8, Type.MESSAGE);
        field(create, "options", 9, Type.MESSAGE);
        field(create, "runtime_path", 10, Type.STRING);
        Descriptor container = Container.getDescriptor();
        field(container, "runtime", 4, Type.MESSAGE);
        field(container, "spec", 5, Type.MESSAGE);
        field(container, "snapshot_key", 7, Type.STRING);
        field(container, "extensions", 10, Type.MESSAGE);
        field(container, "sandbox", 11, Type.STRING);
        assertEquals(2, WriteAction.COMMIT_VALUE);
        field(WriteContentRequest.getDescriptor(), "labels", 7, Type.MESSAGE);
    }

    @Test
    void runcOptionsFromCtr() throws InvalidProtocolBufferException {
        assertEquals("containerd.runc.v1.Options", Options.getDescriptor().getFullName());
        field(Options.getDescriptor(), "binary_name", 6, Type.STRING);
        field(Options.getDescriptor(), "systemd_cgroup", 9, Type.BOOL);
        // containerd writes bare type URLs (no type.googleapis.com/ prefix)
        Any fromCtr = Any.newBuilder()
            .setTypeUrl("containerd.runc.v1.Options")
            .setValue(ByteString.copyFrom(new byte[] {0x48, 0x01})) // field 9, varint true
            .build();
        // protobuf-java's own check rejects that form; AnyTypes accepts it
        assertFalse(fromCtr.is(Options.class));
        assertTrue(AnyTypes.is(fromCtr, Options.getDescriptor()));
        assertTrue(AnyTypes.unpack(fromCtr, Options.getDefaultInstance()).getSystemdCgroup());
        // and the prefixed form still works
        Any prefixed = Any.pack(Options.newBuilder().setBinaryName("runc").build());
        assertEquals("runc", AnyTypes.unpack(prefixed, Options.getDefaultInstance()).getBinaryName());
        assertThrows(InvalidProtocolBufferException.class,
            () -> AnyTypes.unpack(fromCtr, TaskExit.getDefaultInstance()));
    }

    @Test
    void eventsArePackedWithBareNames() {
        Any any = AnyTypes.pack(TaskExit.newBuilder().setContainerId("c1").setExitStatus(3).build());
        assertEquals("containerd.events.TaskExit", any.getTypeUrl());
        assertEquals("containerd.events.TaskExit", AnyTypes.typeName(any));
    }

    @Test
    void bytesOnTheWire() throws InvalidProtocolBufferException {
        // field 1 "v1", field 2 "ab", encoded by hand
        byte[] wire = {0x0a, 0x02, 'v', '1', 0x12, 0x02, 'a', 'b'};
        VersionResponse v = VersionResponse.parseFrom(wire);
        assertEquals("v1", v.getVersion());
        assertEquals("ab", v.getRevision());
        Namespace ns = Namespace.newBuilder().setName("default").putLabels("k", "v").build();
        byte[] out = ns.toByteArray();
        assertEquals(0x0a, out[0]); // field 1, length-delimited
        assertEquals(Map.of("k", "v"), Namespace.parseFrom(out).getLabelsMap());
        Builder d = org.containerj.proto.types.Descriptor.newBuilder().setSize(3);
        assertEquals(List.of((byte) 0x18, (byte) 0x03),
            List.of(d.build().toByteArray()[0], d.build().toByteArray()[1]));
    }

    @Test
    void protoSourcesShipInTheJar() throws Exception {
        // other modules import these through the protobuf-maven-plugin dependency scan
        for (String path : List.of("containerd/types/mount.proto",
                "containerd/services/tasks/v1/tasks.proto", "containerd/runc/v1/options.proto")) {
            try (InputStream in = getClass().getClassLoader().getResourceAsStream(path)) {
                assertNotNull(in, path);
            }
        }
    }

    @Test
    void everyServiceIsPresent() {
        List<ServiceDescriptor> services = List.of(
            org.containerj.proto.services.containers.v1.ContainersProto.getDescriptor().getServices().get(0),
            org.containerj.proto.services.content.v1.ContentProto.getDescriptor().getServices().get(0),
            org.containerj.proto.services.diff.v1.DiffProto.getDescriptor().getServices().get(0),
            org.containerj.proto.services.events.v1.EventsProto.getDescriptor().getServices().get(0),
            org.containerj.proto.services.images.v1.ImagesProto.getDescriptor().getServices().get(0),
            org.containerj.proto.services.leases.v1.LeasesProto.getDescriptor().getServices().get(0),
            org.containerj.proto.services.sandbox.v1.SandboxServiceProto.getDescriptor().getServices().get(0),
            org.containerj.proto.services.sandbox.v1.SandboxServiceProto.getDescriptor().getServices().get(1),
            org.containerj.proto.services.streaming.v1.StreamingServiceProto.getDescriptor().getServices().get(0),
            org.containerj.proto.services.transfer.v1.TransferProto.getDescriptor().getServices().get(0));
        List<String> expected = List.of(
            "containerd.services.containers.v1.Containers",
            "containerd.services.content.v1.Content",
            "containerd.services.diff.v1.Diff",
            "containerd.services.events.v1.Events",
            "containerd.services.images.v1.Images",
            "containerd.services.leases.v1.Leases",
            "containerd.services.sandbox.v1.Store",
            "containerd.services.sandbox.v1.Controller",
            "containerd.services.streaming.v1.Streaming",
            "containerd.services.transfer.v1.Transfer");
        for (int i = 0; i < expected.size(); i++) {
            assertEquals(expected.get(i), services.get(i).getFullName());
        }
    }

    /** containerd 1.7's api/types/transfer and services/transfer, streaming: names and numbers. */
    @Test
    void transferTypes() {
        Descriptor request = org.containerj.proto.services.transfer.v1.TransferRequest.getDescriptor();
        assertEquals("containerd.services.transfer.v1.TransferRequest", request.getFullName());
        field(request, "source", 1, Type.MESSAGE);
        field(request, "destination", 2, Type.MESSAGE);
        field(request, "options", 3, Type.MESSAGE);
        field(org.containerj.proto.services.transfer.v1.TransferOptions.getDescriptor(), "progress_stream", 1, Type.STRING);
        field(org.containerj.proto.services.streaming.v1.StreamInit.getDescriptor(), "id", 1, Type.STRING);

        Descriptor registry = org.containerj.proto.types.transfer.OCIRegistry.getDescriptor();
        assertEquals("containerd.types.transfer.OCIRegistry", registry.getFullName());
        field(registry, "reference", 1, Type.STRING);
        field(registry, "resolver", 2, Type.MESSAGE);
        Descriptor resolver = org.containerj.proto.types.transfer.RegistryResolver.getDescriptor();
        field(resolver, "auth_stream", 1, Type.STRING);
        field(resolver, "headers", 2, Type.MESSAGE);
        field(resolver, "host_dir", 3, Type.STRING);
        field(resolver, "default_scheme", 4, Type.STRING);
        field(resolver, "http_debug", 5, Type.ENUM);
        field(resolver, "logs_stream", 6, Type.STRING);
        Descriptor authRequest = org.containerj.proto.types.transfer.AuthRequest.getDescriptor();
        field(authRequest, "host", 1, Type.STRING);
        field(authRequest, "reference", 2, Type.STRING);
        field(authRequest, "wwwauthenticate", 3, Type.STRING);
        Descriptor authResponse = org.containerj.proto.types.transfer.AuthResponse.getDescriptor();
        field(authResponse, "authType", 1, Type.ENUM);
        field(authResponse, "secret", 2, Type.STRING);
        field(authResponse, "username", 3, Type.STRING);
        field(authResponse, "expire_at", 4, Type.MESSAGE);

        Descriptor store = org.containerj.proto.types.transfer.ImageStore.getDescriptor();
        assertEquals("containerd.types.transfer.ImageStore", store.getFullName());
        field(store, "name", 1, Type.STRING);
        field(store, "labels", 2, Type.MESSAGE);
        field(store, "platforms", 3, Type.MESSAGE);
        field(store, "all_metadata", 4, Type.BOOL);
        field(store, "manifest_limit", 5, Type.UINT32);
        field(store, "extra_references", 6, Type.MESSAGE);
        field(store, "unpacks", 10, Type.MESSAGE);
        Descriptor unpack = org.containerj.proto.types.transfer.UnpackConfiguration.getDescriptor();
        field(unpack, "platform", 1, Type.MESSAGE);
        field(unpack, "snapshotter", 2, Type.STRING);
        Descriptor ref = org.containerj.proto.types.transfer.ImageReference.getDescriptor();
        field(ref, "name", 1, Type.STRING);
        field(ref, "is_prefix", 2, Type.BOOL);
        field(ref, "allow_overwrite", 3, Type.BOOL);
        field(ref, "add_digest", 4, Type.BOOL);
        field(ref, "skip_named_digest", 5, Type.BOOL);

        Descriptor importStream = org.containerj.proto.types.transfer.ImageImportStream.getDescriptor();
        field(importStream, "stream", 1, Type.STRING);
        field(importStream, "media_type", 2, Type.STRING);
        field(importStream, "force_compress", 3, Type.BOOL);
        Descriptor exportStream = org.containerj.proto.types.transfer.ImageExportStream.getDescriptor();
        field(exportStream, "stream", 1, Type.STRING);
        field(exportStream, "media_type", 2, Type.STRING);
        field(exportStream, "platforms", 3, Type.MESSAGE);
        field(exportStream, "all_platforms", 4, Type.BOOL);
        field(exportStream, "skip_compatibility_manifest", 5, Type.BOOL);
        field(exportStream, "skip_non_distributable", 6, Type.BOOL);

        Descriptor progress = org.containerj.proto.types.transfer.Progress.getDescriptor();
        assertEquals("containerd.types.transfer.Progress", progress.getFullName());
        field(progress, "event", 1, Type.STRING);
        field(progress, "name", 2, Type.STRING);
        field(progress, "parents", 3, Type.STRING);
        field(progress, "progress", 4, Type.INT64);
        field(progress, "total", 5, Type.INT64);
        field(progress, "desc", 6, Type.MESSAGE);
        field(org.containerj.proto.types.transfer.Data.getDescriptor(), "data", 1, Type.BYTES);
        field(org.containerj.proto.types.transfer.WindowUpdate.getDescriptor(), "update", 1, Type.INT32);

        Descriptor platform = org.containerj.proto.types.Platform.getDescriptor();
        assertEquals("containerd.types.Platform", platform.getFullName());
        field(platform, "os", 1, Type.STRING);
        field(platform, "architecture", 2, Type.STRING);
        field(platform, "variant", 3, Type.STRING);
    }
}
