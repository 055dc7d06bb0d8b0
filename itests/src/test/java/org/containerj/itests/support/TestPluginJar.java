package org.containerj.itests.support;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

import org.containerj.itests.plugin.DropinActivator;
import org.containerj.itests.plugin.NeedsMissing;
import org.containerj.itests.plugin.SeederActivator;
import org.containerj.itests.plugin.SkippingPlugin;

/**
 * Builds the test plugin bundle {@value #BSN} from the compiled classes of
 * {@code org.containerj.itests.plugin}. It holds three plugins of type
 * {@value DropinActivator#TYPE}:
 * <ul>
 *   <li>{@value DropinActivator#ID}: a service registered by its activator, status ok;</li>
 *   <li>{@value NeedsMissing#ID}: a DS component with an unsatisfied reference, status skip;</li>
 *   <li>{@value SkippingPlugin#ID}: a DS component whose activation throws
 *       PluginSkippedException, status skip with its reason.</li>
 * </ul>
 * and {@link #seeder(String)} builds a second bundle, {@value #SEEDER_BSN}, which puts an
 * image record into a namespace through the MetadataStore service (see {@link SeederActivator}).
 */
public final class TestPluginJar {
    public static final String SEEDER_BSN = "org.containerj.itests.seeder";
    public static final String BSN = "org.containerj.itests.testplugin";
    public static final String TYPE = DropinActivator.TYPE;

    private static final String PKG = "org/containerj/itests/plugin/";

    private TestPluginJar() {
    }

    /** The bundle's bytes. */
    public static byte[] bytes() {
        Manifest mf = new Manifest();
        Attributes a = mf.getMainAttributes();
        a.put(Attributes.Name.MANIFEST_VERSION, "1.0");
        a.putValue("Bundle-ManifestVersion", "2");
        a.putValue("Bundle-SymbolicName", BSN);
        a.putValue("Bundle-Version", "1.0.0");
        a.putValue("Bundle-Name", "containerj itests test plugin");
        a.putValue("Bundle-Activator", DropinActivator.class.getName());
        a.putValue("Import-Package", "org.osgi.framework;version=\"[1.8,2)\","
                + "org.containerj.api.plugin;version=\"[1.0,2)\"");
        a.putValue("Service-Component", "OSGI-INF/needs-missing.xml,OSGI-INF/skipping.xml");
        a.putValue("Require-Capability", "osgi.ee;filter:=\"(&(osgi.ee=JavaSE)(version=17))\"");

        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        try (JarOutputStream jar = new JarOutputStream(buf, mf)) {
            for (Class<?> c : new Class<?>[] {DropinActivator.class, NeedsMissing.class, SkippingPlugin.class}) {
                add(jar, PKG + c.getSimpleName() + ".class", classBytes(c));
            }
            add(jar, "OSGI-INF/needs-missing.xml", component(NeedsMissing.class, NeedsMissing.ID, false, """
                      <service><provide interface="%s"/></service>
                      <reference name="requirement" interface="java.lang.Runnable" cardinality="1..1" policy="static"
                          target="(%s=present)"/>
                    """.formatted(NeedsMissing.class.getName(), NeedsMissing.REQUIREMENT)));
            add(jar, "OSGI-INF/skipping.xml", component(SkippingPlugin.class, SkippingPlugin.ID, true, ""));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return buf.toByteArray();
    }

    /** The seeder bundle for {@code namespace}. */
    public static byte[] seeder(String namespace) {
        Manifest mf = new Manifest();
        Attributes a = mf.getMainAttributes();
        a.put(Attributes.Name.MANIFEST_VERSION, "1.0");
        a.putValue("Bundle-ManifestVersion", "2");
        a.putValue("Bundle-SymbolicName", SEEDER_BSN);
        a.putValue("Bundle-Version", "1.0.0");
        a.putValue("Bundle-Name", "containerj itests namespace seeder");
        a.putValue("Bundle-Activator", SeederActivator.class.getName());
        a.putValue(SeederActivator.NAMESPACE_HEADER, namespace);
        a.putValue("Import-Package", "org.osgi.framework;version=\"[1.8,2)\","
                + "org.osgi.util.tracker;version=\"[1.5,2)\","
                + "org.containerj.api.metadata;version=\"[1.0,2)\"");
        a.putValue("Require-Capability", "osgi.ee;filter:=\"(&(osgi.ee=JavaSE)(version=17))\"");
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        try (JarOutputStream jar = new JarOutputStream(buf, mf)) {
            add(jar, PKG + SeederActivator.class.getSimpleName() + ".class", classBytes(SeederActivator.class));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return buf.toByteArray();
    }

    /** Writes the test plugin bundle to {@code file} atomically (so that FileInstall never sees half a jar). */
    public static Path writeTo(Path file) {
        return write(bytes(), file);
    }

    /**
     * Writes {@code jar} to {@code file} atomically: into a temporary file next to the
     * directory holding {@code file} (same file system, but not the watched directory),
     * then renamed into place.
     */
    public static Path write(byte[] jar, Path file) {
        try {
            Path dir = file.toAbsolutePath().getParent();
            Path tmp = Files.createTempFile(dir.getParent(), "." + file.getFileName(), ".tmp");
            try {
                Files.write(tmp, jar);
                return Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String component(Class<?> impl, String id, boolean immediate, String body) {
        return """
                <?xml version="1.0" encoding="UTF-8"?>
                <scr:component xmlns:scr="http://www.osgi.org/xmlns/scr/v1.3.0" name="%s" immediate="%s"%s>
                  <implementation class="%s"/>
                  <property name="containerj.plugin.type" value="%s"/>
                  <property name="containerj.plugin.id" value="%s"/>
                %s</scr:component>
                """.formatted(impl.getName(), immediate, immediate ? " activate=\"activate\"" : "", impl.getName(),
                TYPE, id, body);
    }

    private static void add(JarOutputStream jar, String name, String text) throws IOException {
        add(jar, name, text.getBytes(StandardCharsets.UTF_8));
    }

    private static void add(JarOutputStream jar, String name, byte[] data) throws IOException {
        jar.putNextEntry(new JarEntry(name));
        jar.write(data);
        jar.closeEntry();
    }

    private static byte[] classBytes(Class<?> c) throws IOException {
        try (InputStream in = c.getResourceAsStream(c.getSimpleName() + ".class")) {
            if (in == null) {
                throw new IOException("class file of " + c.getName() + " not found");
            }
            return in.readAllBytes();
        }
    }
}
