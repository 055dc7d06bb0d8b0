package org.containerj.launcher;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BundleJarTest {

    @Test
    void frameworkServicesStartFirstThenLibrariesThenContainerj(@TempDir Path dir) throws Exception {
        jar(dir, "a.jar", "org.containerj.shell", null);
        jar(dir, "b.jar", "io.netty.buffer", null);
        jar(dir, "c.jar", "org.apache.felix.fileinstall", null);
        jar(dir, "d.jar", "org.apache.felix.scr;singleton:=true", null);
        jar(dir, "e.jar", "org.apache.felix.configadmin", null);
        jar(dir, "f.jar", "org.tinylog.impl", "org.tinylog.api");
        jar(dir, "g.jar", "org.tinylog.api", null);
        jar(dir, "h.jar", "org.apache.felix.gogo.runtime", null);
        jar(dir, "i.jar", "org.containerj.core-api", null);
        jar(dir, "plain.jar", null, null);

        List<Path> skipped = new ArrayList<>();
        List<BundleJar> jars = BundleJar.scan(dir, skipped);
        assertEquals(List.of(dir.resolve("plain.jar")), skipped);
        assertEquals(List.of("org.tinylog.api", "org.apache.felix.configadmin", "org.apache.felix.scr",
                        "org.apache.felix.gogo.runtime", "org.apache.felix.fileinstall", "io.netty.buffer",
                        "org.tinylog.impl", "org.containerj.core-api", "org.containerj.shell"),
                jars.stream().map(BundleJar::symbolicName).toList());
        assertTrue(jars.stream().filter(j -> j.symbolicName().equals("org.tinylog.impl")).findFirst().orElseThrow().fragment());
        assertFalse(jars.get(0).fragment());
    }

    private static void jar(Path dir, String name, String bsn, String host) throws Exception {
        Manifest mf = new Manifest();
        mf.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        if (bsn != null) {
            mf.getMainAttributes().putValue("Bundle-SymbolicName", bsn);
        }
        if (host != null) {
            mf.getMainAttributes().putValue("Fragment-Host", host);
        }
        try (OutputStream out = Files.newOutputStream(dir.resolve(name)); JarOutputStream j = new JarOutputStream(out, mf)) {
            j.flush();
        }
    }
}
