package org.containerj.launcher;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.jar.Attributes;
import java.util.jar.JarFile;
import java.util.jar.Manifest;

/**
 * A jar of the distribution's {@code bundles/} directory, and the order the
 * launcher installs and starts them in: the framework services first (logging,
 * Configuration Admin, Metatype, SCR, Gogo, FileInstall), then libraries, then
 * containerj's own bundles, so that DS components and commands find their
 * extenders already running.
 *
 * @param path         the jar
 * @param symbolicName Bundle-SymbolicName without its attributes
 * @param fragment     whether the jar has a Fragment-Host (fragments are never started)
 */
record BundleJar(Path path, String symbolicName, boolean fragment) {

    /** Start tiers by symbolic name; anything not listed is a library (tier 6) or ours (tier 7). */
    private static final Map<String, Integer> TIERS = Map.ofEntries(
            Map.entry("org.tinylog.api", 0),
            Map.entry("org.osgi.service.component", 0),
            Map.entry("org.osgi.service.log", 0),
            Map.entry("org.osgi.util.function", 0),
            Map.entry("org.osgi.util.promise", 0),
            Map.entry("org.apache.felix.log", 0),
            Map.entry("org.apache.felix.configadmin", 1),
            Map.entry("org.apache.felix.metatype", 2),
            Map.entry("org.apache.felix.scr", 3),
            Map.entry("org.apache.felix.gogo.runtime", 4),
            Map.entry("org.apache.felix.gogo.command", 4),
            Map.entry("org.apache.felix.fileinstall", 5));

    static final Comparator<BundleJar> START_ORDER =
            Comparator.comparingInt(BundleJar::tier).thenComparing(BundleJar::symbolicName);

    int tier() {
        Integer t = TIERS.get(symbolicName);
        if (t != null) {
            return t;
        }
        return symbolicName.startsWith("org.containerj.") ? 7 : 6;
    }

    /**
     * Reads the jars of a directory in start order. Jars without a
     * Bundle-SymbolicName are not bundles and are left out (returned in {@code skipped}).
     */
    static List<BundleJar> scan(Path dir, List<Path> skipped) throws IOException {
        List<BundleJar> jars = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "*.jar")) {
            for (Path p : ds) {
                BundleJar jar = read(p);
                if (jar == null) {
                    skipped.add(p);
                } else {
                    jars.add(jar);
                }
            }
        }
        jars.sort(START_ORDER);
        return jars;
    }

    /** @return the jar's bundle identity, or null when it has no Bundle-SymbolicName */
    static BundleJar read(Path jar) throws IOException {
        try (JarFile jf = new JarFile(jar.toFile(), false)) {
            Manifest mf = jf.getManifest();
            if (mf == null) {
                return null;
            }
            Attributes main = mf.getMainAttributes();
            String bsn = main.getValue("Bundle-SymbolicName");
            if (bsn == null || bsn.isBlank()) {
                return null;
            }
            int semi = bsn.indexOf(';');
            String name = (semi < 0 ? bsn : bsn.substring(0, semi)).trim();
            return new BundleJar(jar, name, main.getValue("Fragment-Host") != null);
        }
    }
}
