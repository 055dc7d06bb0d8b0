package org.containerj.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.jar.Manifest;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Checks the manifest bnd wrote into target/classes (bnd-process runs before the tests):
 * the packages other bundles compile against must be exported with a version, and the
 * merged provider files must name the netty transport.
 */
class BundleManifestTest {

    private static final Path CLASSES = Path.of("target", "classes");
    private static Map<String, String> exports;
    private static String imports;

    @BeforeAll
    static void readManifest() throws IOException {
        Path mf = CLASSES.resolve("META-INF/MANIFEST.MF");
        assertTrue(Files.isRegularFile(mf), "bnd did not write " + mf);
        try (InputStream in = Files.newInputStream(mf)) {
            Manifest manifest = new Manifest(in);
            String header = manifest.getMainAttributes().getValue("Export-Package");
            assertNotNull(header, "no Export-Package header");
            exports = exportedVersions(header);
            imports = manifest.getMainAttributes().getValue("Import-Package");
            assertEquals("org.containerj.grpc",
                manifest.getMainAttributes().getValue("Bundle-SymbolicName"));
        }
    }

    @Test
    void grpcPackagesAreExportedAtGrpcVersion() {
        for (String pkg : List.of("io.grpc", "io.grpc.stub", "io.grpc.netty", "io.grpc.protobuf",
                "io.grpc.health.v1", "io.grpc.protobuf.services", "io.grpc.util", "io.grpc.internal")) {
            assertEquals(System.getProperty("grpc.version", "1.85.1"), exports.get(pkg),
                "version of exported package " + pkg);
        }
    }

    @Test
    void embeddedLibrariesAreExportedWithVersions() {
        assertNotNull(exports.get("io.perfmark"), "io.perfmark");
        assertNotNull(exports.get("com.google.rpc"), "com.google.rpc");
        assertTrue(Files.isRegularFile(CLASSES.resolve("com/google/rpc/Status.class")));
        assertTrue(Files.isRegularFile(
            CLASSES.resolve("io/grpc/protobuf/services/HealthStatusManager.class")));
    }

    @Test
    void nettyAndProtobufAreImportedNotEmbedded() {
        assertTrue(imports.contains("io.netty.channel;version="), imports);
        assertTrue(imports.contains("io.netty.channel.unix;version="), imports);
        assertTrue(imports.contains("io.netty.channel.epoll;version="), imports);
        assertTrue(imports.contains("com.google.protobuf;version="), imports);
        assertTrue(!Files.exists(CLASSES.resolve("io/netty")), "netty must not be embedded");
        assertTrue(!Files.exists(CLASSES.resolve("com/google/protobuf/Message.class")),
            "protobuf-java must not be embedded");
    }

    @Test
    void providerFilesAreMerged() throws IOException {
        String servers = Files.readString(CLASSES.resolve("META-INF/services/io.grpc.ServerProvider"));
        assertTrue(servers.contains("io.grpc.netty.NettyServerProvider"), servers);
        String resolvers = Files.readString(CLASSES.resolve("META-INF/services/io.grpc.NameResolverProvider"));
        assertTrue(resolvers.contains("io.grpc.internal.DnsNameResolverProvider"), resolvers);
        assertTrue(resolvers.contains("io.grpc.netty.UdsNameResolverProvider"), resolvers);
        String balancers = Files.readString(CLASSES.resolve("META-INF/services/io.grpc.LoadBalancerProvider"));
        assertTrue(balancers.contains("io.grpc.internal.PickFirstLoadBalancerProvider"), balancers);
        assertTrue(balancers.contains("io.grpc.util.OutlierDetectionLoadBalancerProvider"), balancers);
        // a stale target/classes makes bnd append the same lines twice
        for (String line : balancers.split("\n")) {
            if (!line.isBlank()) {
                assertEquals(balancers.indexOf(line), balancers.lastIndexOf(line), "duplicate " + line);
            }
        }
    }

    /** Package name to its version attribute (null when absent), from an OSGi header. */
    static Map<String, String> exportedVersions(String header) {
        Map<String, String> result = new LinkedHashMap<>();
        for (String clause : splitOutsideQuotes(header, ',')) {
            List<String> parts = splitOutsideQuotes(clause, ';');
            String version = null;
            List<String> names = new ArrayList<>();
            for (String part : parts) {
                String p = part.trim();
                if (p.startsWith("version=")) {
                    version = p.substring("version=".length()).replace("\"", "");
                } else if (!p.contains("=")) {
                    names.add(p);
                }
            }
            for (String name : names) {
                result.put(name, version);
            }
        }
        return result;
    }

    private static List<String> splitOutsideQuotes(String s, char separator) {
        List<String> out = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        boolean quoted = false;
        for (char c : s.toCharArray()) {
            if (c == '"') {
                quoted = !quoted;
            }
            if (c == separator && !quoted) {
                out.add(current.toString());
                current.setLength(0);
            } else {
                current.append(c);
            }
        }
        out.add(current.toString());
        return out;
    }
}
