package org.containerj.registry.impl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.time.Duration;

import org.containerj.api.content.Descriptor;
import org.containerj.api.errdefs.ContainerjException;
import org.containerj.api.errdefs.ErrorKind;
import org.containerj.api.remotes.ImageReference;
import org.containerj.api.remotes.Pusher;
import org.containerj.api.remotes.RegistryCredentials;
import org.containerj.api.remotes.RemoteOptions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The client against the real registry in token mode: docker-registry trusts the test's
 * token server (its certificate is the rootcertbundle), which signs JWTs granting pull to
 * anyone and push to one user. Push (with a cross-repository mount) with credentials, then
 * resolve and fetch anonymously; anonymous push and a wrong password are refused.
 */
class DockerRegistryTokenTest {
    @TempDir
    static Path tmp;

    private static TokenServer tokens;
    private static DockerRegistry registry;
    private static RegistryThreads threads;
    private static RegistryClient client;

    @BeforeAll
    static void start() throws IOException, GeneralSecurityException {
        tokens = new TokenServer("alice", "s3cret");
        Path bundle = tmp.resolve("token-ca.pem");
        Files.writeString(bundle, tokens.certificatePem());
        registry = DockerRegistry.start(tokens.registryAuth(bundle));
        threads = new RegistryThreads();
        client = RegistryClient.create(RegistrySettings.withRanges(null, Duration.ofSeconds(20), 1 << 20, 256 << 10, 4),
                Duration.ofSeconds(5), "containerj-test", threads);
    }

    @AfterAll
    static void stop() {
        if (threads != null) {
            threads.close();
        }
        if (registry != null) {
            registry.close();
        }
        if (tokens != null) {
            tokens.close();
        }
    }

    private static RemoteOptions as(String user, String password) {
        return new RemoteOptions(host -> new RegistryCredentials(user, password), true, false, null);
    }

    @Test
    void pushWithCredentialsPullAnonymously() throws IOException {
        byte[] config = "{\"os\":\"linux\"}".getBytes(StandardCharsets.UTF_8);
        byte[] layer = DockerRegistryTest.random(2 * (1 << 20) + 7, 11);
        Descriptor cfg = DockerRegistryTest.descriptor(DockerRegistryTest.CONFIG_TYPE, config);
        Descriptor lay = DockerRegistryTest.descriptor(DockerRegistryTest.LAYER_TYPE, layer);
        byte[] manifest = DockerRegistryTest.manifest(cfg, lay);
        Descriptor man = DockerRegistryTest.descriptor(MediaTypes.OCI_MANIFEST, manifest);

        RemoteOptions alice = as("alice", "s3cret");
        ImageReference app = client.parse(registry.host() + "/secure/app:1.0");
        Pusher pusher = client.pusher(app, alice);
        assertFalse(pusher.exists(lay));
        pusher.pushBlob(cfg, () -> new ByteArrayInputStream(config), null);
        pusher.pushBlob(lay, () -> new ByteArrayInputStream(layer), null);
        pusher.pushManifest(man, manifest, "1.0");

        ImageReference copy = client.parse(registry.host() + "/secure/copy:1.0");
        Pusher copier = client.pusher(copy, alice);
        assertTrue(copier.pushBlob(lay, () -> {
            throw new AssertionError("mounted, not read");
        }, "secure/app"), "mounted with a token for both repositories");
        assertTrue(copier.pushBlob(cfg, () -> new ByteArrayInputStream(config), "secure/app"));
        copier.pushManifest(man, manifest, "1.0");
        assertTrue(tokens.requests.stream().anyMatch(r -> r.contains("repository:secure/app:pull")
                && r.contains("repository:secure/copy:pull,push")), tokens.requests::toString);

        RemoteOptions anonymous = new RemoteOptions(null, true, false, null);
        assertEquals(man.digest(), client.resolve(copy, anonymous).descriptor().digest());
        var fetcher = client.fetcher(copy, anonymous);
        assertArrayEquals(manifest, DockerRegistryTest.readAll(fetcher.fetch(man)));
        assertArrayEquals(layer, DockerRegistryTest.readAll(fetcher.fetch(lay)), "in ranges, with the token");

        ContainerjException denied = assertThrows(ContainerjException.class,
                () -> client.pusher(client.parse(registry.host() + "/secure/other:1"), anonymous)
                        .pushBlob(cfg, () -> new ByteArrayInputStream(config), null));
        assertEquals(ErrorKind.UNAUTHENTICATED, denied.kind(), denied::getMessage);

        ContainerjException wrong = assertThrows(ContainerjException.class,
                () -> client.resolve(app, as("alice", "wrong")));
        assertEquals(ErrorKind.UNAUTHENTICATED, wrong.kind(), wrong::getMessage);
    }
}
