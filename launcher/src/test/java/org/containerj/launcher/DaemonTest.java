package org.containerj.launcher;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.framework.Bundle;
import org.osgi.framework.launch.Framework;

import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Runs the real Felix with small bundles made on the fly. */
class DaemonTest {

    private static DaemonSettings settings(Path dir) {
        return new DaemonSettings(null, dir.resolve("root"), dir.resolve("run/state"), dir.resolve("run/state/c.sock"),
                0, 0, LogLevel.WARN);
    }

    private static void bundle(Path dir, String bsn, String imports) throws Exception {
        Files.createDirectories(dir);
        Manifest mf = new Manifest();
        Attributes a = mf.getMainAttributes();
        a.put(Attributes.Name.MANIFEST_VERSION, "1.0");
        a.putValue("Bundle-ManifestVersion", "2");
        a.putValue("Bundle-SymbolicName", bsn);
        a.putValue("Bundle-Version", "1.0.0");
        if (imports != null) {
            a.putValue("Import-Package", imports);
        }
        try (OutputStream out = Files.newOutputStream(dir.resolve(bsn + ".jar")); JarOutputStream j = new JarOutputStream(out, mf)) {
            j.flush();
        }
    }

    @Test
    void startsBundlesAndStopsWithExitCode0(@TempDir Path dir) throws Exception {
        Path home = dir.resolve("home");
        bundle(home.resolve("bundles"), "test.one", "org.osgi.framework");
        bundle(home.resolve("bundles"), "test.two", null);
        Daemon daemon = new Daemon(settings(dir), home, "test", false);
        CompletableFuture<Integer> exit = CompletableFuture.supplyAsync(() -> {
            try {
                return daemon.run();
            } catch (SettingsException e) {
                throw new IllegalStateException(e);
            }
        });
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!allActive(daemon.framework()) && System.nanoTime() < deadline && !exit.isDone()) {
            Thread.sleep(20);
        }
        Framework fw = daemon.framework();
        assertNotNull(fw);
        assertTrue(allActive(fw), "framework and bundles active");
        assertEquals(dir.resolve("root").toString(), fw.getBundleContext().getProperty("containerj.root"));
        assertEquals("rwx--x--x", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("root"))));
        assertEquals("rwx--x--x", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("run/state"))));
        daemon.requestStop("test");
        assertEquals(0, exit.get(30, TimeUnit.SECONDS));
    }

    @Test
    void unresolvableBundleStopsStartUp(@TempDir Path dir) throws Exception {
        Path home = dir.resolve("home");
        bundle(home.resolve("bundles"), "test.broken", "does.not.exist");
        assertEquals(Daemon.EXIT_START_FAILED, new Daemon(settings(dir), home, "test", false).run());
    }

    private static boolean allActive(Framework fw) {
        if (fw == null || fw.getState() != Bundle.ACTIVE) {
            return false;
        }
        Bundle[] bundles = fw.getBundleContext().getBundles();
        for (Bundle b : bundles) {
            if (b.getState() != Bundle.ACTIVE) {
                return false;
            }
        }
        return bundles.length == 3;
    }
}
