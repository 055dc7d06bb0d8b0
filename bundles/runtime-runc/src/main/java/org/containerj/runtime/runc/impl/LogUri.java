package org.containerj.runtime.runc.impl;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.containerj.api.errdefs.ContainerjException;
import org.containerj.api.runtime.ProcessIO;

/**
 * Where a process's output goes, read from the strings of its IO the way containerd's runc
 * shim reads them:
 * <ul>
 * <li>empty: nowhere;</li>
 * <li>a bare absolute path: a FIFO when the path is one (what ctr creates), otherwise a file
 * the output is appended to (created when missing);</li>
 * <li>{@code file:///abs/path}: stdout and stderr both appended to that file;</li>
 * <li>{@code binary:///abs/path?k=v&k2}: a logging program started with the arguments
 * {@code k v k2 ""} (each query key, then its first value), which reads stdout on descriptor
 * 3 and stderr on 4 and closes 5 once it is ready.</li>
 * </ul>
 * As in containerd, a {@code file} or {@code binary} URI in stdout decides both streams
 * (stderr's value is not looked at), while bare paths are taken one by one. A URI with a
 * host ({@code file://host/p}) is refused: containerd would silently drop the host and
 * use {@code /p}, which is never what was meant. Parsing looks at the file system only to
 * tell FIFOs from files, and changes nothing.
 */
final class LogUri {
    private LogUri() {
    }

    /** One stream's destination. */
    sealed interface Target permits None, Fifo, File, Binary {
    }

    /** Output is discarded. */
    record None() implements Target {
    }

    /** A FIFO the client reads. */
    record Fifo(Path path) implements Target {
    }

    /** A file output is appended to. */
    record File(Path path) implements Target {
    }

    /** A logging program and its arguments. */
    record Binary(Path program, List<String> args) implements Target {
        Binary {
            args = List.copyOf(args);
        }
    }

    /** Where stdout and stderr go; the same {@link File} or {@link Binary} for both when stdout's URI says so. */
    record Streams(Target stdout, Target stderr) {
        /** True when one logging program takes both streams. */
        boolean binary() {
            return stdout instanceof Binary;
        }
    }

    /** The destinations of {@code io}'s stdout and stderr; INVALID_ARGUMENT for a value that names none. */
    static Streams streams(ProcessIO io) {
        Target out = parse(io.stdout(), "stdout");
        if (isUri(io.stdout()) && !(out instanceof None)) {
            return new Streams(out, out);
        }
        return new Streams(out, parse(io.stderr(), "stderr"));
    }

    /** INVALID_ARGUMENT unless stdin is empty or an absolute path (a FIFO or a file to read). */
    static void checkStdin(String stdin) {
        if (!stdin.isEmpty() && !stdin.startsWith("/")) {
            throw ContainerjException.invalidArgument("stdin %s: only an absolute FIFO path is supported", stdin);
        }
    }

    static boolean isUri(String value) {
        return !value.isEmpty() && !value.startsWith("/");
    }

    /** One stream's value. */
    static Target parse(String value, String stream) {
        if (value.isEmpty()) {
            return new None();
        }
        if (value.startsWith("/")) {
            return barePath(Path.of(value).normalize(), stream);
        }
        URI uri;
        try {
            uri = new URI(value);
        } catch (URISyntaxException e) {
            throw ContainerjException.invalidArgument("%s %s: not an absolute path or URI: %s", stream, value,
                    e.getMessage());
        }
        String scheme = uri.getScheme();
        if (scheme == null) {
            throw ContainerjException.invalidArgument("%s %s: not an absolute path or URI", stream, value);
        }
        if (uri.isOpaque() || (uri.getRawAuthority() != null && !uri.getRawAuthority().isEmpty())) {
            throw ContainerjException.invalidArgument("%s %s: expected %s:///absolute/path (no host)", stream, value,
                    scheme);
        }
        String path = uri.getPath();
        if (path == null || !path.startsWith("/") || path.length() < 2) {
            throw ContainerjException.invalidArgument("%s %s: the URI's path must be absolute", stream, value);
        }
        return switch (scheme) {
            case "file" -> new File(Path.of(path).normalize());
            case "binary" -> new Binary(Path.of(path).normalize(), arguments(uri.getRawQuery()));
            default -> throw ContainerjException.invalidArgument("%s %s: unknown STDIO scheme %s", stream, value,
                    scheme);
        };
    }

    /** A bare path: a FIFO if it is one, a file (existing or to create) otherwise. */
    private static Target barePath(Path p, String stream) {
        int mode;
        try {
            mode = (Integer) Files.getAttribute(p, "unix:mode");
        } catch (NoSuchFileException e) {
            return new File(p);
        } catch (IOException | UnsupportedOperationException e) {
            throw ContainerjException.invalidArgument("%s %s: %s", stream, p, e.toString());
        }
        int type = mode & 0170000;
        return switch (type) {
            case 0010000 -> new Fifo(p);
            case 0100000, 0020000 -> new File(p); // a regular file or a character device (/dev/null)
            default -> throw ContainerjException.invalidArgument("%s %s: neither a FIFO nor a file", stream, p);
        };
    }

    /**
     * The program arguments of a binary URI's query: each key once, in order of first
     * appearance, followed by its first value ("" for a key without one), decoded as a
     * form (so {@code +} is a space), as Go's {@code url.Values} decodes it.
     */
    static List<String> arguments(String rawQuery) {
        if (rawQuery == null || rawQuery.isEmpty()) {
            return List.of();
        }
        Map<String, String> first = new LinkedHashMap<>();
        for (String pair : rawQuery.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String key = decode(eq < 0 ? pair : pair.substring(0, eq));
            String value = eq < 0 ? "" : decode(pair.substring(eq + 1));
            first.putIfAbsent(key, value);
        }
        List<String> args = new ArrayList<>();
        first.forEach((k, v) -> {
            args.add(k);
            args.add(v);
        });
        return args;
    }

    private static String decode(String s) {
        try {
            return URLDecoder.decode(s, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw ContainerjException.invalidArgument("binary log URI: bad escape in %s", s);
        }
    }
}
