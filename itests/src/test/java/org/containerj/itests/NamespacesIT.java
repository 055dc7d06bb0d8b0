package org.containerj.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;

import org.containerj.itests.plugin.SeederActivator;
import org.containerj.itests.support.CommandResult;
import org.containerj.itests.support.CtrNamespaces;
import org.containerj.itests.support.Daemon;
import org.containerj.itests.support.DaemonExtension;
import org.containerj.itests.support.TestPluginJar;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** {@code ctr namespaces create/label/ls/remove} behave as on containerd. */
@ExtendWith(DaemonExtension.class)
class NamespacesIT {
    private Daemon daemon;

    @BeforeEach
    void daemon(Daemon daemon) {
        this.daemon = daemon;
        daemon.awaitNamespacesService(Duration.ofSeconds(30));
    }

    static String uniqueName(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    Map<String, Map<String, String>> namespaces() {
        return CtrNamespaces.parse(daemon.ctr("namespaces", "ls").assertOk().stdout());
    }

    @Test
    void createLabelListAndRemove() {
        String ns = uniqueName("itest-ns");
        daemon.ctr("namespaces", "create", ns, "a=1", "b=2", "empty=").assertOk();
        assertEquals(Map.of("a", "1", "b", "2"), namespaces().get(ns), "no empty value, as with containerd");

        daemon.ctr("namespaces", "label", ns, "c=3").assertOk();
        daemon.ctr("namespaces", "label", ns, "a=").assertOk(); // an empty value removes the label
        assertEquals(Map.of("b", "2", "c", "3"), namespaces().get(ns));

        CommandResult quiet = daemon.ctr("namespaces", "ls", "--quiet").assertOk();
        assertTrue(quiet.stdout().lines().anyMatch(ns::equals), quiet::toString);

        CommandResult rm = daemon.ctr("namespaces", "remove", ns).assertOk();
        assertEquals(ns, rm.stdout().strip(), rm::toString);
        assertFalse(namespaces().containsKey(ns));
    }

    @Test
    void creatingAnExistingNamespaceIsAlreadyExists() {
        String ns = uniqueName("itest-dup");
        daemon.ctr("namespaces", "create", ns).assertOk();
        try {
            daemon.ctr("namespaces", "create", ns).assertFailedWith("AlreadyExists", "already exists");
        } finally {
            daemon.ctr("namespaces", "remove", ns).assertOk();
        }
    }

    @Test
    void aBadNamespaceNameIsInvalidArgument() {
        // containerd's rule: [A-Za-z0-9]+ joined by single '.', '_' or '-', at most 76 characters
        for (String bad : new String[] {"bad!name", "trailing-", "dot..dot", "has space", "a".repeat(77)}) {
            daemon.ctr("namespaces", "create", bad).assertFailedWith("InvalidArgument", "invalid argument");
            assertFalse(namespaces().containsKey(bad), bad);
        }
    }

    @Test
    void removingAnUnknownNamespaceIsNotAnError() {
        // containerd answers NOT_FOUND and ctr treats that as done, printing the name
        String ns = uniqueName("itest-none");
        CommandResult rm = daemon.ctr("namespaces", "remove", ns).assertOk();
        assertEquals(ns, rm.stdout().strip(), rm::toString);
    }

    @Test
    void removingANamespaceThatStillHoldsSomethingIsFailedPrecondition() {
        String ns = uniqueName("itest-full");
        daemon.ctr("namespaces", "create", ns, "keep=me").assertOk();
        // The seeder bundle puts an image record into the namespace through the MetadataStore
        // service (the daemon has no images API yet); it registers its plugin once written.
        Path seeder = daemon.deployDir().resolve("itest-seeder.jar");
        try {
            TestPluginJar.write(TestPluginJar.seeder(ns), seeder);
            daemon.awaitPlugin(SeederActivator.TYPE, SeederActivator.ID, "ok", Duration.ofSeconds(30));

            CommandResult rm = daemon.ctr("namespaces", "remove", ns)
                    .assertFailedWith("FailedPrecondition", "failed precondition");
            assertTrue(rm.stderr().contains("must be empty"), rm::toString);
            assertEquals(Map.of("keep", "me"), namespaces().get(ns), "the failed remove changed nothing");
        } finally {
            deleteQuietly(seeder);
        }
        // the seeder removes its record when FileInstall uninstalls it
        daemon.awaitNoPlugin(SeederActivator.TYPE, SeederActivator.ID, Duration.ofSeconds(30));
        daemon.ctr("namespaces", "remove", ns).assertOk();
        assertFalse(namespaces().containsKey(ns));
    }

    @Test
    void theShellListsTheSameNamespaces() {
        String ns = uniqueName("itest-shell");
        daemon.ctr("namespaces", "create", ns, "via=ctr").assertOk();
        try {
            CommandResult r = daemon.shell("namespaces").assertOk();
            assertTrue(r.stdout().contains(ns), r::toString);
        } finally {
            daemon.ctr("namespaces", "remove", ns).assertOk();
        }
    }

    private static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (java.io.IOException e) {
            System.err.println("itests: cannot delete " + p + ": " + e);
        }
    }
}
