package org.containerj.launcher;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.framework.Constants;
import org.osgi.framework.FrameworkEvent;
import org.osgi.framework.launch.Framework;
import org.osgi.framework.launch.FrameworkFactory;
import org.osgi.framework.wiring.FrameworkWiring;
import org.tinylog.Logger;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Runs the daemon in the foreground: a Felix framework with every bundle of the
 * distribution's {@code bundles/} directory, until SIGTERM or SIGINT (or {@code stop 0}
 * in the shell) stops it.
 */
final class Daemon {

    /** Exit code when the framework or a bundle of {@code bundles/} cannot start. */
    static final int EXIT_START_FAILED = 2;

    /** How long a stop may take before the process gives up and exits anyway. */
    static final long STOP_TIMEOUT_MS = TimeUnit.SECONDS.toMillis(30);

    private static final Set<PosixFilePermission> DIR_MODE = PosixFilePermissions.fromString("rwx--x--x");

    private final DaemonSettings settings;
    private final Path home;
    private final String version;
    private final boolean handleSignals;
    private final long processStart = startTime();
    private final AtomicBoolean stopping = new AtomicBoolean();
    private volatile Framework framework;

    Daemon(DaemonSettings settings, Path home, String version) {
        this(settings, home, version, true);
    }

    /** @param handleSignals false in tests: leave the JVM's SIGTERM/SIGINT handling and hooks alone */
    Daemon(DaemonSettings settings, Path home, String version, boolean handleSignals) {
        this.settings = settings;
        this.home = home;
        this.version = version;
        this.handleSignals = handleSignals;
    }

    /** The running framework, or null before {@link #run()} created it. */
    Framework framework() {
        return framework;
    }

    /** Starts, waits for the framework to stop, and returns the process exit code. */
    int run() throws SettingsException {
        Thread thread = Thread.currentThread();
        ClassLoader tccl = thread.getContextClassLoader();
        try {
            return runFramework();
        } finally {
            thread.setContextClassLoader(tccl);
        }
    }

    private int runFramework() throws SettingsException {
        long t0 = System.nanoTime();
        createDirectory("root", settings.root());
        createDirectory("state", settings.state());
        Path bundlesDir = home.resolve("bundles");
        List<Path> skipped = new ArrayList<>();
        List<BundleJar> jars;
        try {
            jars = BundleJar.scan(bundlesDir, skipped);
        } catch (IOException e) {
            Logger.error("cannot read the bundles directory {}: {}", bundlesDir, e.toString());
            return EXIT_START_FAILED;
        }
        for (Path p : skipped) {
            Logger.debug("{} has no Bundle-SymbolicName, not installed", p.getFileName());
        }

        FrameworkFactory factory = ServiceLoader.load(FrameworkFactory.class, Daemon.class.getClassLoader())
                .findFirst().orElse(null);
        if (factory == null) {
            Logger.error("no OSGi framework on the class path (lib/ lacks org.apache.felix.framework)");
            return EXIT_START_FAILED;
        }
        // Threads started from here on (Felix's, and the bundles' own) inherit this context
        // class loader. The platform loader keeps the launcher's class path, and with it the
        // launcher's copy of tinylog, out of sight of the tinylog bundle's ServiceLoader.
        Thread.currentThread().setContextClassLoader(ClassLoader.getPlatformClassLoader());
        Framework fw = factory.newFramework(frameworkProperties());
        framework = fw;
        List<Bundle> bundles = new ArrayList<>();
        try {
            fw.init();
            BundleContext ctx = fw.getBundleContext();
            for (BundleJar jar : jars) {
                String location = "reference:" + jar.path().toUri();
                bundles.add(ctx.installBundle(location));
            }
            if (handleSignals) {
                installStopHandlers();
            }
            fw.start();
            Logger.debug("framework initialized and {} bundles installed in {} ms", bundles.size(),
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
        } catch (BundleException | RuntimeException e) {
            Logger.error(e, "the OSGi framework failed to start: {}", e.getMessage());
            stopQuietly(fw);
            return EXIT_START_FAILED;
        }

        List<String> failures = startAll(fw, bundles);
        if (!failures.isEmpty() && !stopping.get()) {
            for (String f : failures) {
                Logger.error(f);
            }
            Logger.error("containerj did not start: {} bundle(s) failed to resolve", failures.size());
            stopQuietly(fw);
            return EXIT_START_FAILED;
        }
        Logger.info("containerj {} started in {} ms since the process started: {} bundles, root {}, state {}",
                version, System.currentTimeMillis() - processStart, bundles.size(), settings.root(), settings.state());

        FrameworkEvent event;
        try {
            event = fw.waitForStop(0);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 1;
        }
        if (event.getType() == FrameworkEvent.ERROR) {
            Logger.error(event.getThrowable(), "the framework stopped with an error");
            return 1;
        }
        Logger.info("containerj stopped");
        return 0;
    }

    /**
     * Resolves every bundle together, then starts the non-fragments in order.
     * A bundle that cannot resolve is fatal; one whose activator fails is logged
     * and the daemon goes on, as containerd does with a plugin that fails to load.
     *
     * @return one message per bundle that failed to resolve
     */
    private List<String> startAll(Framework fw, List<Bundle> bundles) {
        long t = System.nanoTime();
        fw.adapt(FrameworkWiring.class).resolveBundles(bundles);
        Logger.debug("resolved {} bundles in {} ms", bundles.size(), TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t));
        List<String> failures = new ArrayList<>();
        for (Bundle b : bundles) {
            if (stopping.get()) {
                break; // a signal arrived while starting: failures now are expected
            }
            if (isFragment(b)) {
                if (b.getState() == Bundle.INSTALLED) {
                    failures.add("fragment " + name(b) + " did not attach to its host "
                            + b.getHeaders().get(Constants.FRAGMENT_HOST));
                }
                continue;
            }
            try {
                long started = System.nanoTime();
                b.start();
                Logger.debug("started {} in {} ms", name(b), TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
            } catch (BundleException e) {
                if (e.getType() == BundleException.RESOLVE_ERROR || b.getState() == Bundle.INSTALLED) {
                    failures.add("bundle " + name(b) + " failed to resolve: " + e.getMessage());
                } else {
                    Logger.error(e, "bundle {} failed to start: {}", name(b), e.getMessage());
                }
            } catch (RuntimeException e) {
                Logger.error(e, "bundle {} failed to start: {}", name(b), e.toString());
            }
        }
        return failures;
    }

    private static boolean isFragment(Bundle b) {
        return b.getHeaders().get(Constants.FRAGMENT_HOST) != null;
    }

    private static String name(Bundle b) {
        return b.getSymbolicName() + " " + b.getVersion();
    }

    Map<String, String> frameworkProperties() {
        Map<String, Object> p = new HashMap<>(settings.frameworkProperties());
        p.put("containerj.home", home.toString());
        p.put("containerj.version", version);
        p.put("containerj.start.time", Long.toString(processStart));
        p.put(Constants.FRAMEWORK_STORAGE, settings.root().resolve("felix-cache").toString());
        p.put(Constants.FRAMEWORK_STORAGE_CLEAN, Constants.FRAMEWORK_STORAGE_CLEAN_ONFIRSTINIT);
        // netty's optional import of sun.misc.Unsafe
        p.put(Constants.FRAMEWORK_SYSTEMPACKAGES_EXTRA, "sun.misc");

        LogLevel level = settings.debugLevel();
        p.put("felix.log.level", Integer.toString(level.felix()));
        p.put("felix.log.logger", new FelixLog());
        p.put("ds.loglevel", level.scr());

        p.put("felix.fileinstall.dir", home.resolve("deploy").toString());
        p.put("felix.fileinstall.poll", "1000");
        p.put("felix.fileinstall.noInitialDelay", "true");
        p.put("felix.fileinstall.log.level", Integer.toString(level.felix()));
        p.put("felix.fileinstall.log.default", "jul");
        @SuppressWarnings({"unchecked", "rawtypes"})
        Map<String, String> props = (Map) p; // Felix takes objects too (felix.log.logger)
        return props;
    }

    private static long startTime() {
        return ProcessHandle.current().info().startInstant().orElseGet(Instant::now).toEpochMilli();
    }

    /**
     * SIGTERM and SIGINT stop the framework and the process exits 0 once it has stopped.
     * A second signal while stopping, or a stop that takes longer than
     * {@link #STOP_TIMEOUT_MS}, ends the process at once. The shutdown hook covers
     * every other way the JVM may exit (System.exit, SIGHUP).
     */
    private void installStopHandlers() {
        for (String name : new String[] {"TERM", "INT"}) {
            try {
                sun.misc.Signal.handle(new sun.misc.Signal(name), sig -> requestStop("SIG" + sig.getName()));
            } catch (IllegalArgumentException e) {
                Logger.warn("cannot handle SIG{} ({}); the shutdown hook stops the framework", name, e.getMessage());
            }
        }
        Thread hook = new Thread(this::stopFromHook, "containerj-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
    }

    /** Stops the framework as SIGTERM does; {@link #run()} then returns 0. */
    void requestStop(String why) {
        Framework fw = framework;
        if (!stopping.compareAndSet(false, true)) {
            Logger.warn("{} while stopping: exiting now", why);
            Runtime.getRuntime().halt(1);
            return;
        }
        Logger.info("{} received, stopping", why);
        Thread watchdog = new Thread(() -> {
            try {
                Thread.sleep(STOP_TIMEOUT_MS);
            } catch (InterruptedException e) {
                return;
            }
            Logger.error("the framework did not stop within {} s, exiting", STOP_TIMEOUT_MS / 1000);
            Runtime.getRuntime().halt(1);
        }, "containerj-stop-watchdog");
        watchdog.setDaemon(true);
        watchdog.start();
        try {
            fw.stop();
        } catch (BundleException | RuntimeException e) {
            Logger.error(e, "stopping the framework failed");
            Runtime.getRuntime().halt(1);
        }
    }

    private void stopFromHook() {
        Framework fw = framework;
        if (fw == null || (fw.getState() & (Bundle.STARTING | Bundle.ACTIVE | Bundle.STOPPING)) == 0) {
            return;
        }
        try {
            fw.stop();
            fw.waitForStop(STOP_TIMEOUT_MS);
        } catch (BundleException | RuntimeException e) {
            Logger.error(e, "stopping the framework failed");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void stopQuietly(Framework fw) {
        try {
            fw.stop();
            fw.waitForStop(STOP_TIMEOUT_MS);
        } catch (BundleException | RuntimeException e) {
            Logger.debug(e, "stopping the framework after a failed start");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Creates a directory and its parents, the directory itself with mode 0711 as containerd does. */
    private static void createDirectory(String key, Path dir) throws SettingsException {
        if (Files.isDirectory(dir)) {
            return;
        }
        try {
            if (dir.getParent() != null) {
                Files.createDirectories(dir.getParent());
            }
            try {
                Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(DIR_MODE));
                Files.setPosixFilePermissions(dir, DIR_MODE); // the umask may have removed bits
            } catch (FileAlreadyExistsException e) {
                if (!Files.isDirectory(dir)) {
                    throw new SettingsException(key + ": " + dir + " exists and is not a directory");
                }
            }
        } catch (IOException e) {
            throw new SettingsException(key + ": cannot create " + dir + ": " + e, e);
        }
    }
}
