package org.containerj.transfer.shell;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.apache.felix.service.command.CommandSession;
import org.containerj.api.content.Descriptor;
import org.containerj.api.errdefs.ContainerjException;
import org.containerj.api.errdefs.ErrorKind;
import org.containerj.api.images.Image;
import org.containerj.api.images.ImageStore;
import org.containerj.api.plugin.PluginProperties;
import org.containerj.api.remotes.RegistryCredentials;
import org.containerj.api.remotes.RemoteOptions;
import org.containerj.api.transfer.ExportOptions;
import org.containerj.api.transfer.ImageName;
import org.containerj.api.transfer.ImageTransfer;
import org.containerj.api.transfer.ImportOptions;
import org.containerj.api.transfer.Platform;
import org.containerj.api.transfer.Progress;
import org.containerj.api.transfer.ProgressListener;
import org.containerj.api.transfer.PullOptions;
import org.containerj.api.transfer.PushOptions;
import org.containerj.api.transfer.UnpackTarget;
import org.containerj.transfer.impl.DaemonThreads;
import org.containerj.transfer.impl.Platforms;
import org.containerj.transfer.impl.TransferPlugin;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;

/**
 * Image commands of the shell, on the transfer plugin and the image store, each in a
 * namespace ({@code -n NAME}, default {@code default}):
 * <pre>
 * image-pull [--plain-http] [-u USER:PASSWORD] [--snapshotter S] [--platform P]... [--all-platforms] [--no-unpack] REF
 * image-push [--plain-http] [-u USER:PASSWORD] [--platform P]... REF [LOCAL]
 * images
 * image-tag SOURCE TARGET...
 * image-remove [--sync] NAME...
 * image-import [--base-name NAME] [--platform P]... [--all-platforms] [--no-unpack] [--snapshotter S] [--label K=V]... FILE
 * image-export [--platform P]... [--all-platforms] [--skip-manifest-json] FILE NAME...
 * </pre>
 * Transfers print their progress as they go, one event per line. Gogo cannot map a
 * function name with a dash to a method, so all go through {@code _main}.
 */
@Component(service = ImageCommands.class, property = {
        "osgi.command.scope=containerj",
        "osgi.command.function=image-pull",
        "osgi.command.function=image-push",
        "osgi.command.function=images",
        "osgi.command.function=image-tag",
        "osgi.command.function=image-remove",
        "osgi.command.function=image-import",
        "osgi.command.function=image-export" })
public final class ImageCommands {
    private static final Map<String, String> ALIASES = Map.of("n", "namespace", "u", "user");
    private static final Set<String> REMOTE_FLAGS = Set.of("plain-http");

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY, target = "(" + PluginProperties.ID + "=" + TransferPlugin.ID + ")")
    private volatile ImageTransfer transfer;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile ImageStore images;

    /**
     * Transfers run here, not on the shell's thread: Gogo sends that thread's standard
     * output to the shell client, and the daemon's log lines of a transfer belong in the
     * daemon's log.
     */
    private final ExecutorService workers = Executors.newCachedThreadPool(DaemonThreads.named("shell-transfer"));

    public ImageCommands() {
    }

    /** For tests. */
    ImageCommands(ImageTransfer transfer, ImageStore images) {
        this.transfer = transfer;
        this.images = images;
    }

    @Deactivate
    void deactivate() {
        workers.shutdownNow();
    }

    /** Runs a transfer on a worker and waits; interrupting the command cancels it. */
    private <T> T onWorker(Callable<T> transferCall) throws IOException {
        Future<T> f = workers.submit(transferCall);
        try {
            return f.get();
        } catch (InterruptedException e) {
            f.cancel(true);
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted");
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException r) {
                throw r;
            }
            if (cause instanceof IOException io) {
                throw io;
            }
            throw new IllegalStateException(cause);
        }
    }

    public String _main(CommandSession session, String... argv) throws IOException {
        return run(session == null ? System.out : session.getConsole(), argv);
    }

    String run(PrintStream out, String... argv) throws IOException {
        String command = argv.length == 0 ? "" : argv[0];
        List<String> args = Arrays.asList(argv).subList(Math.min(1, argv.length), argv.length);
        return switch (command) {
            case "image-pull" -> pull(out, args);
            case "image-push" -> push(out, args);
            case "images" -> list(args);
            case "image-tag" -> tag(args);
            case "image-remove" -> remove(args);
            case "image-import" -> importArchive(out, args);
            case "image-export" -> export(out, args);
            default -> throw new IllegalArgumentException("unknown command " + command);
        };
    }

    private String pull(PrintStream out, List<String> args) throws IOException {
        CommandLine c = new CommandLine(args, Set.of("namespace", "user", "snapshotter", "platform"),
                Set.of("plain-http", "all-platforms", "no-unpack"), ALIASES);
        String ref = single(c, "usage: image-pull [-n NS] [--plain-http] [-u USER:PASSWORD] [--snapshotter S] "
                + "[--platform P]... [--all-platforms] [--no-unpack] REF");
        PullOptions options = PullOptions.defaults().withRemote(remote(c))
                .withPlatforms(platforms(c), c.flag("all-platforms"));
        if (!c.flag("no-unpack")) {
            options = options.withUnpacks(List.of(new UnpackTarget(
                    c.all("platform").isEmpty() ? null : Platforms.parse(c.all("platform").get(0)),
                    c.value("snapshotter", ""))));
        }
        PullOptions pull = options;
        Image image = onWorker(() -> transfer().pull(namespace(c), ref, pull, printer(out)));
        return "pulled " + image.name() + " " + image.target().digest();
    }

    private String push(PrintStream out, List<String> args) throws IOException {
        CommandLine c = new CommandLine(args, Set.of("namespace", "user", "platform"), REMOTE_FLAGS, ALIASES);
        List<String> ops = c.operands();
        if (ops.isEmpty() || ops.size() > 2) {
            throw new IllegalArgumentException("usage: image-push [-n NS] [--plain-http] [-u USER:PASSWORD] "
                    + "[--platform P]... REF [LOCAL]");
        }
        String local = ops.size() == 2 ? ops.get(1) : ops.get(0);
        PushOptions options = PushOptions.defaults().withRemote(remote(c)).withPlatforms(platforms(c));
        Descriptor d = onWorker(() -> transfer().push(namespace(c), local, ops.get(0), options, printer(out)));
        return "pushed " + ops.get(0) + " " + d.digest();
    }

    private String list(List<String> args) {
        CommandLine c = new CommandLine(args, Set.of("namespace"), Set.of(), ALIASES);
        if (!c.operands().isEmpty()) {
            throw new IllegalArgumentException("usage: images [-n NS]");
        }
        StringBuilder s = new StringBuilder(String.format("%-60s %-60s %-72s %s%n", "REF", "TYPE", "DIGEST", "SIZE"));
        for (Image i : images().list(namespace(c), List.of())) {
            s.append(String.format("%-60s %-60s %-72s %d%n", i.name(), i.target().mediaType(), i.target().digest(),
                    i.target().size()));
        }
        return s.toString();
    }

    private String tag(List<String> args) {
        CommandLine c = new CommandLine(args, Set.of("namespace"), Set.of(), ALIASES);
        List<String> ops = c.operands();
        if (ops.size() < 2) {
            throw new IllegalArgumentException("usage: image-tag [-n NS] SOURCE TARGET...");
        }
        String ns = namespace(c);
        Image source = images().get(ns, ops.get(0));
        for (String target : ops.subList(1, ops.size())) {
            Image image = new Image(target, source.labels(), source.target());
            try {
                images().create(ns, image);
            } catch (ContainerjException e) {
                if (e.kind() != ErrorKind.ALREADY_EXISTS) {
                    throw e;
                }
                images().update(ns, image, List.of());
            }
        }
        return String.join("\n", ops.subList(1, ops.size()));
    }

    private String remove(List<String> args) {
        CommandLine c = new CommandLine(args, Set.of("namespace"), Set.of("sync"), ALIASES);
        if (c.operands().isEmpty()) {
            throw new IllegalArgumentException("usage: image-remove [-n NS] [--sync] NAME...");
        }
        String ns = namespace(c);
        List<String> removed = new ArrayList<>();
        for (String name : c.operands()) {
            images().delete(ns, name, null, c.flag("sync"));
            removed.add(name);
        }
        return String.join("\n", removed);
    }

    private String importArchive(PrintStream out, List<String> args) throws IOException {
        CommandLine c = new CommandLine(args, Set.of("namespace", "base-name", "platform", "snapshotter", "label"),
                Set.of("all-platforms", "no-unpack"), ALIASES);
        String file = single(c, "usage: image-import [-n NS] [--base-name NAME] [--platform P]... [--all-platforms] "
                + "[--no-unpack] [--snapshotter S] [--label K=V]... FILE");
        List<ImageName> names = List.of();
        if (!c.value("base-name", "").isEmpty()) {
            names = List.of(ImageName.prefix(c.value("base-name", ""), false));
        }
        Map<String, String> labels = new LinkedHashMap<>();
        for (String kv : c.all("label")) {
            int eq = kv.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("label " + kv + " is not key=value");
            }
            labels.put(kv.substring(0, eq), kv.substring(eq + 1));
        }
        ImportOptions options = ImportOptions.defaults().withNames(names).withLabels(labels)
                .withPlatforms(platforms(c), c.flag("all-platforms"));
        if (!c.flag("no-unpack")) {
            options = options.withUnpacks(List.of(new UnpackTarget(
                    c.all("platform").isEmpty() ? null : Platforms.parse(c.all("platform").get(0)),
                    c.value("snapshotter", ""))));
        }
        ImportOptions importing = options;
        List<Image> imported = onWorker(() -> {
            try (InputStream in = new BufferedInputStream(Files.newInputStream(Path.of(file)))) {
                return transfer().importArchive(namespace(c), in, importing, printer(out));
            }
        });
        StringBuilder s = new StringBuilder();
        for (Image i : imported) {
            s.append("imported ").append(i.name()).append(' ').append(i.target().digest()).append('\n');
        }
        return s.toString();
    }

    private String export(PrintStream out, List<String> args) throws IOException {
        CommandLine c = new CommandLine(args, Set.of("namespace", "platform"),
                Set.of("all-platforms", "skip-manifest-json"), ALIASES);
        List<String> ops = c.operands();
        if (ops.size() < 2) {
            throw new IllegalArgumentException("usage: image-export [-n NS] [--platform P]... [--all-platforms] "
                    + "[--skip-manifest-json] FILE NAME...");
        }
        Path file = Path.of(ops.get(0)).toAbsolutePath();
        Path tmp = Files.createTempFile(file.getParent(), ".image-export-", ".tar");
        try {
            ExportOptions options = new ExportOptions(platforms(c), c.flag("all-platforms"),
                    c.flag("skip-manifest-json"), false);
            onWorker(() -> {
                try (OutputStream o = new BufferedOutputStream(Files.newOutputStream(tmp))) {
                    transfer().exportArchive(namespace(c), ops.subList(1, ops.size()), o, options, printer(out));
                }
                return null;
            });
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
        return "exported " + String.join(" ", ops.subList(1, ops.size())) + " to " + file;
    }

    // ---- helpers

    private static String single(CommandLine c, String usage) {
        if (c.operands().size() != 1) {
            throw new IllegalArgumentException(usage);
        }
        return c.operands().get(0);
    }

    private static String namespace(CommandLine c) {
        return c.value("namespace", "default");
    }

    private static List<Platform> platforms(CommandLine c) {
        return c.all("platform").stream().map(Platforms::parse).toList();
    }

    /** {@code --plain-http}, and {@code -u USER:PASSWORD} for every host of the transfer. */
    private static RemoteOptions remote(CommandLine c) {
        String user = c.value("user", "");
        RegistryCredentials credentials = null;
        if (!user.isEmpty()) {
            int colon = user.indexOf(':');
            if (colon <= 0) {
                throw new IllegalArgumentException("-u takes USER:PASSWORD (the shell cannot prompt)");
            }
            credentials = new RegistryCredentials(user.substring(0, colon), user.substring(colon + 1));
        }
        RegistryCredentials given = credentials;
        return new RemoteOptions(given == null ? null : host -> given, c.flag("plain-http"), false, null);
    }

    /** Progress as lines: {@code event name [progress/total]}. */
    static ProgressListener printer(PrintStream out) {
        return p -> out.println(format(p));
    }

    static String format(Progress p) {
        StringBuilder s = new StringBuilder(p.event());
        if (!p.name().isEmpty()) {
            s.append(' ').append(p.name());
        }
        if (p.total() > 0) {
            s.append(' ').append(p.progress()).append('/').append(p.total());
        }
        return s.toString();
    }

    private ImageTransfer transfer() {
        ImageTransfer t = transfer;
        if (t == null) {
            throw new IllegalStateException("the transfer plugin (io.containerd.transfer.v1.local) is not available");
        }
        return t;
    }

    private ImageStore images() {
        ImageStore s = images;
        if (s == null) {
            throw new IllegalStateException("the image store (io.containerd.service.v1.images-service) is not available");
        }
        return s;
    }
}
