package org.containerj.diff.impl;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

import org.containerj.api.errdefs.ContainerjException;

/**
 * Paths inside a root directory, resolved the way a process chrooted to that root would
 * see them: symbolic links are followed, but an absolute link target starts again at the
 * root and {@code ..} never climbs above it. Whatever a layer's names and links say, the
 * result is a path under the root (containerd's {@code fs.RootPath}).
 */
final class ScopedPaths {
    /** Symbolic links followed in one resolution before giving up, as Linux's ELOOP does (40). */
    static final int MAX_LINKS = 40;

    private ScopedPaths() {
    }

    /**
     * Splits {@code name} (a tar entry or hard link name) into clean components, without
     * touching the filesystem. INVALID_ARGUMENT when the name is absolute, contains NUL, or
     * climbs above its start with {@code ..}.
     */
    static List<String> components(String name) {
        if (name.indexOf('\0') >= 0) {
            throw ContainerjException.invalidArgument("invalid name %s in layer: contains NUL", quote(name));
        }
        if (name.startsWith("/")) {
            throw ContainerjException.invalidArgument("absolute path %s in layer: path escapes from parent",
                    quote(name));
        }
        List<String> parts = new ArrayList<>();
        for (String part : name.split("/")) {
            if (part.isEmpty() || part.equals(".")) {
                continue;
            }
            if (part.equals("..")) {
                if (parts.isEmpty()) {
                    throw ContainerjException.invalidArgument("path %s in layer: path escapes from parent",
                            quote(name));
                }
                parts.remove(parts.size() - 1);
            } else {
                parts.add(part);
            }
        }
        return parts;
    }

    /**
     * The path of {@code components} under {@code root} with every existing symbolic link
     * on the way resolved inside the root. The last component is resolved too; callers
     * that must not follow it resolve the parent and append the name themselves.
     */
    static Path resolve(Path root, List<String> components) throws IOException {
        Deque<String> pending = new ArrayDeque<>(components);
        List<String> resolved = new ArrayList<>();
        int links = 0;
        while (!pending.isEmpty()) {
            String part = pending.pollFirst();
            if (part.isEmpty() || part.equals(".")) {
                continue;
            }
            if (part.equals("..")) {
                if (!resolved.isEmpty()) {
                    resolved.remove(resolved.size() - 1);
                }
                continue;
            }
            Path candidate = join(root, resolved).resolve(part);
            if (Files.isSymbolicLink(candidate)) {
                if (++links > MAX_LINKS) {
                    throw ContainerjException.invalidArgument("too many levels of symbolic links resolving %s",
                            quote(String.join("/", components)));
                }
                String target;
                try {
                    target = Files.readSymbolicLink(candidate).toString();
                } catch (NoSuchFileException e) {
                    resolved.add(part);
                    continue;
                }
                if (target.startsWith("/")) {
                    resolved.clear();
                }
                String[] targetParts = target.split("/");
                for (int i = targetParts.length - 1; i >= 0; i--) {
                    pending.addFirst(targetParts[i]);
                }
            } else {
                resolved.add(part);
            }
        }
        return join(root, resolved);
    }

    /** True when {@code path} exists, not following a final symbolic link. */
    static boolean exists(Path path) {
        return Files.exists(path, LinkOption.NOFOLLOW_LINKS);
    }

    private static Path join(Path root, List<String> parts) {
        Path p = root;
        for (String part : parts) {
            p = p.resolve(part);
        }
        return p;
    }

    static String quote(String s) {
        StringBuilder b = new StringBuilder("\"");
        int shown = 0;
        for (char c : s.toCharArray()) {
            if (++shown > 256) {
                b.append("...");
                break;
            }
            if (c < 0x20 || c == '"' || c == '\\') {
                b.append(String.format("\\x%02x", (int) c));
            } else {
                b.append(c);
            }
        }
        return b.append('"').toString();
    }
}
