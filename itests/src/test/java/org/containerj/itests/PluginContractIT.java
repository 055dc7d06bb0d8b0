package org.containerj.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.ops4j.pax.exam.CoreOptions.bundle;
import static org.ops4j.pax.exam.CoreOptions.cleanCaches;
import static org.ops4j.pax.exam.CoreOptions.frameworkProperty;
import static org.ops4j.pax.exam.CoreOptions.options;
import static org.ops4j.pax.exam.CoreOptions.streamBundle;
import static org.ops4j.pax.exam.CoreOptions.systemPackage;
import static org.ops4j.pax.exam.CoreOptions.systemProperty;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Hashtable;
import java.util.List;
import java.util.Optional;
import java.util.jar.JarFile;
import java.util.stream.Stream;

import javax.inject.Inject;

import org.containerj.api.plugin.PluginCatalog;
import org.containerj.api.plugin.PluginInfo;
import org.containerj.api.plugin.PluginStatus;
import org.containerj.itests.support.TestPluginJar;
import org.containerj.itests.support.Wait;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;

/**
 * The plugin contract in a real Felix: the api-server bundle's {@link PluginCatalog}
 * (what {@code ctr plugins ls} shows) sees plugin services and Declarative Services plugin
 * components come and go.
 *
 * <p>The framework holds the api-server bundle with what it imports (core-api, filters,
 * grpc, api-proto, netty, protobuf, guava, gson, tinylog, Felix SCR), the test plugin
 * bundle built by {@link TestPluginJar}, and nothing else of the daemon. The gRPC server
 * listens on a socket of its own under /tmp.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class PluginContractIT {
    private static final Duration TIMEOUT = Duration.ofSeconds(20);
    private static final String PLUGIN_TYPE = "io.containerd.snapshotter.v1";

    @Inject
    private BundleContext context;

    @Inject
    private PluginCatalog catalog;

    @Configuration
    public Option[] config() throws IOException {
        List<Option> options = new ArrayList<>();
        Path work = Path.of(System.getProperty("containerj.itests.work", "target/itests-work"));
        // under /tmp: the socket path must fit in sun_path (108 bytes) wherever the repository is
        Path dir = Files.createTempDirectory(Path.of("/tmp"), "cj-paxexam-");
        Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteTree(dir), "itests-paxexam-cleanup"));
        options.add(cleanCaches());
        options.add(frameworkProperty("containerj.grpc.address").value(dir.resolve("api.sock").toString()));
        options.add(frameworkProperty("containerj.root").value(dir.resolve("root").toString()));
        options.add(frameworkProperty("containerj.state").value(dir.toString()));
        // netty's optional import of sun.misc.Unsafe, as the launcher exports it (added to
        // pax-exam's own system packages; setting the framework property would replace those)
        options.add(systemPackage("sun.misc"));
        // pax-exam runs the probe's tests with its JUnit invoker (bundles copied by itests/pom.xml)
        options.add(systemProperty("pax.exam.invoker").value("junit"));
        options.add(systemProperty("io.netty.native.workdir").value(Files.createDirectories(work).toAbsolutePath().toString()));

        Path thirdParty = Path.of(required("containerj.paxexam.bundles"));
        try (Stream<Path> jars = Files.list(thirdParty)) {
            for (Path jar : jars.filter(p -> p.toString().endsWith(".jar")).sorted().toList()) {
                options.add(install(jar));
            }
        }
        Path repo = Path.of(required("containerj.repo"));
        String version = required("containerj.project.version");
        for (String module : List.of("core-api", "filters", "grpc", "api-proto", "api-server")) {
            Path jar = repo.resolve("bundles").resolve(module).resolve("target").resolve(module + "-" + version + ".jar");
            if (!Files.isRegularFile(jar)) {
                throw new AssertionError(jar + " is missing: build the reactor first (mvn -B -pl itests -am verify)");
            }
            options.add(install(jar));
        }
        InputStream plugin = new ByteArrayInputStream(TestPluginJar.bytes());
        options.add(streamBundle(plugin).start(true));
        return options(options.toArray(new Option[0]));
    }

    private static Option install(Path jar) throws IOException {
        boolean fragment;
        try (JarFile j = new JarFile(jar.toFile())) {
            fragment = j.getManifest().getMainAttributes().getValue("Fragment-Host") != null;
        }
        return fragment ? bundle(jar.toUri().toString()).noStart() : bundle(jar.toUri().toString());
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException | RuntimeException e) {
            System.err.println("itests: cannot remove " + dir + ": " + e);
        }
    }

    private static String required(String property) {
        String v = System.getProperty(property);
        if (v == null) {
            throw new AssertionError("system property " + property + " is not set (itests/pom.xml sets it)");
        }
        return v;
    }

    // ------------------------------------------------------------------ tests

    @Test
    public void apiServerListsItsOwnGrpcPlugins() {
        for (String id : List.of("version", "introspection", "healthcheck")) {
            PluginInfo p = awaitPlugin("io.containerd.grpc.v1", id, PluginStatus.OK);
            assertEquals("org.containerj.api-server", p.bundle());
        }
    }

    @Test
    public void registeredServiceIsAPluginUntilUnregistered() {
        Hashtable<String, Object> props = new Hashtable<>();
        props.put("containerj.plugin.type", PLUGIN_TYPE);
        props.put("containerj.plugin.id", "itest-registered");
        props.put("containerj.plugin.requires", new String[] {"io.containerd.content.v1.*"});
        props.put("containerj.plugin.platforms", new String[] {"linux/amd64"});
        props.put("containerj.plugin.export.root", "/somewhere");
        ServiceRegistration<Runnable> reg = context.registerService(Runnable.class, () -> { }, props);
        try {
            PluginInfo p = awaitPlugin(PLUGIN_TYPE, "itest-registered", PluginStatus.OK);
            assertEquals(List.of("io.containerd.content.v1.*"), p.requires());
            assertEquals(List.of("linux/amd64"), p.platforms());
            assertEquals("/somewhere", p.exports().get("root"));
            assertEquals(context.getBundle().getSymbolicName(), p.bundle());
            assertEquals("", p.reason());
        } finally {
            reg.unregister();
        }
        awaitAbsent(PLUGIN_TYPE, "itest-registered");
    }

    @Test
    public void serviceWithoutPluginPropertiesIsNoPlugin() {
        int before = catalog.plugins().size();
        Hashtable<String, Object> props = new Hashtable<>();
        props.put("containerj.plugin.id", "itest-no-type"); // an id alone does not make a plugin
        ServiceRegistration<Runnable> reg = context.registerService(Runnable.class, () -> { }, props);
        try {
            assertTrue(find("", "itest-no-type").isEmpty());
            assertTrue(catalog.plugins().stream().noneMatch(p -> p.id().equals("itest-no-type")));
            assertEquals(before, catalog.plugins().size());
        } finally {
            reg.unregister();
        }
    }

    @Test
    public void activatorPluginOfAnInstalledBundleIsOk() {
        PluginInfo p = awaitPlugin(TestPluginJar.TYPE, "itest-dropin", PluginStatus.OK);
        assertEquals(TestPluginJar.BSN, p.bundle());
        assertEquals("1.0.0", p.bundleVersion());
        assertEquals("itests", p.exports().get("origin"));
    }

    @Test
    public void componentWithUnsatisfiedReferenceIsSkipUntilSatisfied() {
        PluginInfo skipped = awaitPlugin(TestPluginJar.TYPE, "itest-unsatisfied", PluginStatus.SKIP);
        assertEquals(TestPluginJar.BSN, skipped.bundle());
        assertTrue("reason names the missing reference: " + skipped.reason(),
                skipped.reason().contains("requirement"));

        Hashtable<String, Object> props = new Hashtable<>();
        props.put("containerj.itest.requirement", "present");
        ServiceRegistration<Runnable> reg = context.registerService(Runnable.class, () -> { }, props);
        try {
            awaitPlugin(TestPluginJar.TYPE, "itest-unsatisfied", PluginStatus.OK);
        } finally {
            reg.unregister();
        }
        awaitPlugin(TestPluginJar.TYPE, "itest-unsatisfied", PluginStatus.SKIP);
    }

    @Test
    public void componentThrowingPluginSkippedIsSkipWithItsReason() {
        PluginInfo p = awaitPlugin(TestPluginJar.TYPE, "itest-skipped", PluginStatus.SKIP);
        assertTrue("reason carries the exception's message: " + p.reason(),
                p.reason().contains("itest plugin does not apply here"));
    }

    @Test
    public void stoppingTheProvidingBundleRemovesItsPluginsAndStartingRestoresThem() throws Exception {
        Bundle plugin = testPluginBundle();
        awaitPlugin(TestPluginJar.TYPE, "itest-dropin", PluginStatus.OK);
        plugin.stop();
        try {
            awaitAbsent(TestPluginJar.TYPE, "itest-dropin");
            awaitAbsent(TestPluginJar.TYPE, "itest-unsatisfied");
            awaitAbsent(TestPluginJar.TYPE, "itest-skipped");
        } finally {
            plugin.start();
        }
        awaitPlugin(TestPluginJar.TYPE, "itest-dropin", PluginStatus.OK);
        awaitPlugin(TestPluginJar.TYPE, "itest-unsatisfied", PluginStatus.SKIP);
        awaitPlugin(TestPluginJar.TYPE, "itest-skipped", PluginStatus.SKIP);
    }

    // ------------------------------------------------------------------ helpers

    private Bundle testPluginBundle() {
        for (Bundle b : context.getBundles()) {
            if (TestPluginJar.BSN.equals(b.getSymbolicName())) {
                return b;
            }
        }
        throw new AssertionError("test plugin bundle " + TestPluginJar.BSN + " is not installed");
    }

    private Optional<PluginInfo> find(String type, String id) {
        return catalog.plugins().stream().filter(p -> p.type().equals(type) && p.id().equals(id)).findFirst();
    }

    private PluginInfo awaitPlugin(String type, String id, PluginStatus status) {
        return Wait.forValue(TIMEOUT, () -> find(type, id).filter(p -> p.status() == status).orElse(null),
                () -> type + "." + id + " with status " + status + " in the catalog; it lists " + catalog.plugins());
    }

    private void awaitAbsent(String type, String id) {
        Wait.until(TIMEOUT, () -> find(type, id).isEmpty(),
                () -> type + "." + id + " to leave the catalog; it lists " + catalog.plugins());
    }
}
