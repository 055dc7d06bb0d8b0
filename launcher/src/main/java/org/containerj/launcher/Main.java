package org.containerj.launcher;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.CodeSource;

/**
 * {@code bin/containerj}: the daemon, {@code config default} and the shell client.
 *
 * <pre>
 * containerj [--config FILE]                 run the daemon in the foreground
 * containerj [--config FILE] config default  print the default configuration
 * containerj [--config FILE] shell [-c CMD]  attach to the running daemon's Gogo shell
 * </pre>
 *
 * Exit codes: 0 success (also after SIGTERM or SIGINT); 1 a usage error, an invalid
 * setting (the message names the key), or a failed shell command; 2 the framework or
 * one of the distribution's bundles could not start.
 */
public final class Main {

    static final int EXIT_USAGE = 1;

    private static final String USAGE = """
            Usage:
              containerj [--config FILE]                  run the daemon in the foreground
              containerj [--config FILE] config default   print the default configuration
              containerj [--config FILE] shell [-c CMD]   attach to the running daemon's shell
              containerj --version | --help

            FILE defaults to %s (built-in defaults when it does not exist).
            """.formatted(DaemonSettings.DEFAULT_CONFIG);

    private Main() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        Path config = null;
        int i = 0;
        for (; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--config")) {
                if (i + 1 >= args.length) {
                    return usage(err, "--config needs a file");
                }
                config = Path.of(args[++i]);
            } else if (a.startsWith("--config=")) {
                config = Path.of(a.substring("--config=".length()));
            } else if (a.equals("--help") || a.equals("-h")) {
                out.print(USAGE);
                return 0;
            } else if (a.equals("--version") || a.equals("-v")) {
                out.println("containerj " + version());
                return 0;
            } else if (a.startsWith("-")) {
                return usage(err, "unknown option " + a);
            } else {
                break;
            }
        }
        if (i == args.length) {
            return daemon(config, err);
        }
        String command = args[i];
        String[] rest = java.util.Arrays.copyOfRange(args, i + 1, args.length);
        return switch (command) {
            case "config" -> config(rest, out, err);
            case "shell" -> shell(config, rest, out, err);
            default -> usage(err, "unknown command " + command);
        };
    }

    private static int usage(PrintStream err, String problem) {
        err.println("containerj: " + problem);
        err.print(USAGE);
        return EXIT_USAGE;
    }

    private static int daemon(Path config, PrintStream err) {
        DaemonSettings settings;
        try {
            settings = DaemonSettings.load(config);
        } catch (SettingsException e) {
            err.println("containerj: " + e.getMessage());
            return EXIT_USAGE;
        }
        Path home = home();
        if (home == null) {
            err.println("containerj: cannot find the distribution directory; set -Dcontainerj.home");
            return Daemon.EXIT_START_FAILED;
        }
        // The daemon writes nothing to stdout: what bundles print there (SCR's own
        // logger without a LogService, for one) goes to stderr with the log.
        System.setOut(err);
        Logging.configure(home, settings.debugLevel());
        try {
            return new Daemon(settings, home, version()).run();
        } catch (SettingsException e) {
            err.println("containerj: " + e.getMessage());
            return EXIT_USAGE;
        }
    }

    private static int config(String[] rest, PrintStream out, PrintStream err) {
        if (rest.length != 1 || !rest[0].equals("default")) {
            return usage(err, "expected: config default");
        }
        try (InputStream in = Main.class.getResourceAsStream("config.toml")) {
            if (in == null) {
                err.println("containerj: the default configuration is missing from the launcher jar");
                return 1;
            }
            out.write(in.readAllBytes());
            out.flush();
            return 0;
        } catch (IOException e) {
            err.println("containerj: " + e.getMessage());
            return 1;
        }
    }

    private static int shell(Path config, String[] rest, PrintStream out, PrintStream err) {
        String command = null;
        for (int i = 0; i < rest.length; i++) {
            if (rest[i].equals("-c") && i + 1 < rest.length && command == null) {
                command = rest[++i];
            } else {
                return usage(err, "expected: shell [-c COMMAND]");
            }
        }
        DaemonSettings settings;
        try {
            settings = DaemonSettings.load(config);
        } catch (SettingsException e) {
            err.println("containerj: " + e.getMessage());
            return EXIT_USAGE;
        }
        ShellClient client = new ShellClient(settings.shellSocket(), out, err);
        return command == null ? client.runInteractive() : client.runCommand(command);
    }

    /** The launcher jar's Implementation-Version, or "dev" when run from classes. */
    static String version() {
        String v = Main.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }

    /**
     * The distribution directory: {@code -Dcontainerj.home} (set by bin/containerj), else
     * the parent of the {@code lib/} directory holding the launcher jar.
     */
    static Path home() {
        String prop = System.getProperty("containerj.home");
        if (prop != null && !prop.isBlank()) {
            return Path.of(prop).toAbsolutePath().normalize();
        }
        try {
            CodeSource cs = Main.class.getProtectionDomain().getCodeSource();
            if (cs == null) {
                return null;
            }
            Path jar = Path.of(cs.getLocation().toURI());
            Path lib = jar.getParent();
            if (Files.isRegularFile(jar) && lib != null && lib.getParent() != null) {
                return lib.getParent();
            }
        } catch (URISyntaxException | RuntimeException e) {
            return null;
        }
        return null;
    }
}
