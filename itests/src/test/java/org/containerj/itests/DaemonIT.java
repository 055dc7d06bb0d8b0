package org.containerj.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.jar.JarFile;

import org.containerj.itests.support.CommandResult;
import org.containerj.itests.support.CtrPlugin;
import org.containerj.itests.support.Daemon;
import org.containerj.itests.support.DaemonExtension;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The built daemon answers Debian's ctr: version and the plugin list. */
@ExtendWith(DaemonExtension.class)
class DaemonIT {
    private Daemon daemon;

    @BeforeEach
    void daemon(Daemon daemon) {
        this.daemon = daemon;
        // the socket answers as soon as the api-server bundle runs; the other bundles may still be starting
        daemon.awaitNamespacesService(Duration.ofSeconds(30));
        daemon.awaitPlugin("io.containerd.metadata.v1", "bolt", "ok", Duration.ofSeconds(30));
    }

    @Test
    void ctrVersionShowsTheServersVersionAndRevision() throws IOException {
        CommandResult r = daemon.ctr("version").assertOk();
        Map<String, String> server = section(r.stdout(), "Server:");
        String version = "v" + System.getProperty("containerj.project.version");
        assertEquals(version, server.get("Version"), () -> "server version in\n" + r);
        String revision = manifestHeader("org.containerj.api-server", "Containerj-Revision");
        assertTrue(revision.matches("[0-9a-f]{7,40}"), () -> "api-server's Containerj-Revision is a git revision: "
                + revision);
        assertEquals(revision, server.get("Revision"), () -> "server revision in\n" + r);
        assertTrue(server.getOrDefault("UUID", "").matches("[0-9a-f-]{36}"), () -> "server UUID in\n" + r);
    }

    @Test
    void ctrPluginsLsListsThePluginsAsOk() {
        CommandResult r = daemon.ctr("plugins", "ls").assertOk();
        List<CtrPlugin> plugins = CtrPlugin.parse(r.stdout());
        for (String[] expected : new String[][] {
                {"io.containerd.grpc.v1", "version"},
                {"io.containerd.grpc.v1", "introspection"},
                {"io.containerd.grpc.v1", "healthcheck"},
                {"io.containerd.grpc.v1", "namespaces"},
                {"io.containerd.metadata.v1", "bolt"},
                {"io.containerd.internal.v1", "registry"}}) {
            CtrPlugin p = CtrPlugin.find(plugins, expected[0], expected[1])
                    .orElseThrow(() -> new AssertionError(expected[0] + "." + expected[1] + " missing from\n" + r));
            assertEquals("ok", p.status(), () -> p + " in\n" + r);
        }
        assertTrue(plugins.stream().noneMatch(p -> p.status().equals("error")),
                () -> "no plugin has status error:\n" + r + "\n" + daemon.ctr("plugins", "ls", "--detailed"));
    }

    @Test
    void ctrPluginsLsFiltersByType() {
        CommandResult r = daemon.ctr("plugins", "ls", "type==io.containerd.grpc.v1").assertOk();
        List<CtrPlugin> plugins = CtrPlugin.parse(r.stdout());
        assertFalse(plugins.isEmpty(), r::toString);
        assertTrue(plugins.stream().allMatch(p -> p.type().equals("io.containerd.grpc.v1")), r::toString);
    }

    /** The {@code Server:} (or {@code Client:}) block of ctr version: key to value. */
    private static Map<String, String> section(String ctrVersion, String header) {
        Map<String, String> out = new LinkedHashMap<>();
        boolean in = false;
        for (String line : ctrVersion.lines().toList()) {
            if (line.trim().equals(header)) {
                in = true;
            } else if (in && !line.isBlank() && Character.isWhitespace(line.charAt(0))) {
                int colon = line.indexOf(':');
                if (colon > 0) {
                    out.put(line.substring(0, colon).trim(), line.substring(colon + 1).trim());
                }
            } else if (in) {
                break;
            }
        }
        return out;
    }

    /** A manifest header of the distribution's bundle with this symbolic name. */
    private static String manifestHeader(String bsn, String header) throws IOException {
        Path bundles = Daemon.distribution().resolve("bundles");
        try (DirectoryStream<Path> jars = Files.newDirectoryStream(bundles, "*.jar")) {
            for (Path jar : jars) {
                try (JarFile j = new JarFile(jar.toFile())) {
                    var attrs = j.getManifest().getMainAttributes();
                    String name = attrs.getValue("Bundle-SymbolicName");
                    if (name != null && name.split(";")[0].trim().equals(bsn)) {
                        String value = attrs.getValue(header);
                        return value == null ? "" : value;
                    }
                }
            }
        }
        throw new AssertionError("no bundle " + bsn + " in " + bundles);
    }
}
