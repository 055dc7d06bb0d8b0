package org.containerj.registry.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;

import org.containerj.api.errdefs.ContainerjException;
import org.containerj.api.errdefs.ErrorKind;
import org.containerj.registry.impl.RegistryHost.ClientPair;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** containerd's hosts.toml and certs.d layout. */
class HostsDirectoryTest {
    @TempDir
    Path dir;

    private void write(String host, String file, String text) throws IOException {
        Path d = Files.createDirectories(dir.resolve(host));
        Files.writeString(d.resolve(file), text);
    }

    @Test
    void withoutConfigurationTheRegistryItself() {
        List<RegistryHost> hosts = HostsDirectory.hosts(null, "example.com", false);
        assertEquals(1, hosts.size());
        RegistryHost h = hosts.get(0);
        assertEquals("https://example.com/v2", h.toString());
        assertEquals(Capability.ALL, h.capabilities());
        assertNull(h.skipVerify());
        assertFalse(h.isProxy("example.com"));
        assertFalse(HostsDirectory.hosts(null, "docker.io", false).get(0).isProxy("docker.io"));

        assertEquals("http://example.com:5000/v2", HostsDirectory.hosts(dir, "example.com:5000", true).get(0).toString());
        assertEquals("https://registry-1.docker.io/v2", HostsDirectory.hosts(dir, "docker.io", true).get(0).toString());
    }

    @Test
    void localRegistriesAsContainerd17() {
        RegistryHost local = HostsDirectory.hosts(null, "127.0.0.1:5000", false).get(0);
        assertEquals("https", local.scheme());
        assertTrue(local.httpFallback(), "https first, http when the server speaks no TLS");
        assertEquals(Boolean.TRUE, local.skipVerify());
        RegistryHost plain = HostsDirectory.hosts(null, "localhost:5000", true).get(0);
        assertEquals("http", plain.scheme());
        assertFalse(plain.httpFallback());
        assertEquals("https", HostsDirectory.hosts(null, "localhost", false).get(0).scheme());
        assertEquals("http", HostsDirectory.hosts(null, "[::1]:80", false).get(0).scheme());
        assertFalse(HostsDirectory.hosts(null, "10.0.0.1:5000", false).get(0).httpFallback());
        assertTrue(HostsDirectory.isLocalhost("127.0.0.2:1"));
        assertFalse(HostsDirectory.isLocalhost("localhost.example.com"));
    }

    @Test
    void mirrorsInFileOrderThenTheServer() throws IOException {
        write("docker.io", "hosts.toml", """
                server = "https://registry-1.docker.io"

                [host."http://mirror-b.local:5000"]
                  capabilities = ["pull"]
                  header = { X-Team = "b", X-Many = ["1", "2"] }

                [host."https://mirror-a.local/proxy"]
                  capabilities = ["pull", "resolve"]
                  skip_verify = true
                  ca = "ca.pem"
                  client = [["client.cert", "client.key"], "both.pem"]

                [host."mirror-c.local"]
                  override_path = true
                """);
        List<RegistryHost> hosts = HostsDirectory.hosts(dir, "docker.io", false);
        assertEquals(4, hosts.size(), hosts::toString);

        RegistryHost b = hosts.get(0);
        assertEquals("http://mirror-b.local:5000/v2", b.toString());
        assertEquals(EnumSet.of(Capability.PULL), b.capabilities());
        assertTrue(b.isProxy("docker.io"));
        assertEquals(Map.of("X-Team", List.of("b"), "X-Many", List.of("1", "2")), b.headers());

        RegistryHost a = hosts.get(1);
        assertEquals("https://mirror-a.local/proxy/v2", a.toString());
        assertTrue(a.isProxy("docker.io"), "a mirror, whatever its capabilities");
        assertEquals(Boolean.TRUE, a.skipVerify());
        assertEquals(List.of(dir.resolve("docker.io/ca.pem")), a.caFiles());
        assertEquals(List.of(new ClientPair(dir.resolve("docker.io/client.cert"), dir.resolve("docker.io/client.key")),
                new ClientPair(dir.resolve("docker.io/both.pem"), null)), a.clientPairs());

        RegistryHost c = hosts.get(2);
        assertEquals("https://mirror-c.local", c.toString(), "override_path keeps the path as written (none)");

        assertEquals("https://registry-1.docker.io/v2", hosts.get(3).toString());
        assertEquals(Capability.ALL, hosts.get(3).capabilities());
    }

    @Test
    void hostDirectoryNamesWithPorts() throws IOException {
        write("127.0.0.1:5000", "hosts.toml", "server = \"http://127.0.0.1:5000\"\n");
        assertEquals("http://127.0.0.1:5000/v2", HostsDirectory.hosts(dir, "127.0.0.1:5000", false).get(0).toString());
        // containerd's port-safe name wins over host:port
        write("127.0.0.1_5000_", "hosts.toml", "server = \"https://other:443\"\n");
        assertEquals("https://other:443/v2", HostsDirectory.hosts(dir, "127.0.0.1:5000", false).get(0).toString());
        assertEquals("127.0.0.1_5000_", HostsDirectory.portDirectory("127.0.0.1:5000"));
        assertEquals("[::1]_5000_", HostsDirectory.portDirectory("[::1]:5000"));
        assertNull(HostsDirectory.portDirectory("[::1]"));
        assertNull(HostsDirectory.portDirectory("example.com"));
    }

    @Test
    void defaultDirectoryForOtherHosts() throws IOException {
        write("_default", "hosts.toml", """
                [host."https://cache.local"]
                  capabilities = ["pull", "resolve"]
                """);
        List<RegistryHost> hosts = HostsDirectory.hosts(dir, "quay.io", false);
        assertEquals(List.of("https://cache.local/v2", "https://quay.io/v2"), hosts.stream().map(Object::toString).toList());
    }

    @Test
    void serverWithoutSchemeIsHttpsAndHttpUrlIsPlain() throws IOException {
        write("a.io", "hosts.toml", "server = \"a.io:8443/base/\"\n");
        assertEquals("https://a.io:8443/base/v2", HostsDirectory.hosts(dir, "a.io", true).get(0).toString());
        write("b.io", "hosts.toml", "server = \"http://b.io/v2\"\ncapabilities = [\"pull\"]\n");
        RegistryHost b = HostsDirectory.hosts(dir, "b.io", false).get(0);
        assertEquals("http://b.io/v2", b.toString());
        assertEquals(EnumSet.of(Capability.PULL), b.capabilities());
    }

    @Test
    void certificateFilesWithoutHostsToml() throws IOException {
        write("secure.io", "ca.crt", "x");
        write("secure.io", "client.cert", "x");
        write("secure.io", "client.key", "x");
        write("secure.io", "lonely.cert", "x");
        RegistryHost h = HostsDirectory.hosts(dir, "secure.io", false).get(0);
        assertEquals("https://secure.io/v2", h.toString());
        assertEquals(List.of(dir.resolve("secure.io/ca.crt")), h.caFiles());
        assertEquals(List.of(new ClientPair(dir.resolve("secure.io/client.cert"), dir.resolve("secure.io/client.key")),
                new ClientPair(dir.resolve("secure.io/lonely.cert"), null)), h.clientPairs());
    }

    @Test
    void aBrokenHostsTomlFallsBackToCertificateFiles() throws IOException {
        write("broken.io", "hosts.toml", "[host.\"https://m\"]\ncapabilities = [\"fly\"]\n");
        write("broken.io", "ca.crt", "x");
        List<RegistryHost> hosts = HostsDirectory.hosts(dir, "broken.io", false);
        assertEquals(1, hosts.size());
        assertEquals("https://broken.io/v2", hosts.get(0).toString());
        assertEquals(List.of(dir.resolve("broken.io/ca.crt")), hosts.get(0).caFiles());
    }

    @Test
    void parseErrorsNameTheProblem() {
        for (String[] c : new String[][] {
                {"[host.\"https://m\"]\ncapabilities = [\"fly\"]\n", "unknown capability fly"},
                {"server = 5\n", "server"},
                {"skip_verify = \"yes\"\n", "skip_verify"},
                {"client = 5\n", "client"},
                {"client = [[\"a\"]]\n", "invalid pair"},
                {"header = { X = 1 }\n", "header X"},
                {"server = \"ftp://x\"\n", "unable to parse server"},
                {"this is not toml", "failed to parse TOML"}}) {
            ContainerjException e = assertThrows(ContainerjException.class, () -> HostsDirectory.parse(dir, c[0]), c[0]);
            assertEquals(ErrorKind.INVALID_ARGUMENT, e.kind());
            assertTrue(e.getMessage().contains(c[1]), () -> e.getMessage() + " names " + c[1]);
        }
    }

    @Test
    void cleansServerPaths() {
        assertEquals("/a/b", HostsDirectory.cleanPath("/a//./c/../b/"));
        assertEquals("/", HostsDirectory.cleanPath("/../.."));
    }
}
