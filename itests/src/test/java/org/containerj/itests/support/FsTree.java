package org.containerj.itests.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * What a mounted root file system holds, entry by entry: for each path (relative, with
 * {@code /} separators) its type, permission bits with set-id and sticky bits, owner,
 * group, link target or content digest, and which paths share an inode (hard links).
 * Times are left out: they are the one thing a layer round trip may round.
 */
public final class FsTree {
    /** One entry. {@code type}: {@code d}, {@code f}, {@code l}, {@code c}, {@code b}, {@code p}, {@code s}. */
    public record Node(String type, int mode, int uid, int gid, String content, int links) {
        @Override
        public String toString() {
            return type + " " + String.format("%04o", mode) + " " + uid + ":" + gid + (content.isEmpty() ? "" : " " + content)
                    + (links > 1 ? " links=" + links : "");
        }
    }

    private final Map<String, Node> nodes;
    private final Map<String, String> inodeOf;

    private FsTree(Map<String, Node> nodes, Map<String, String> inodeOf) {
        this.nodes = nodes;
        this.inodeOf = inodeOf;
    }

    /** Reads the tree under {@code root} (the root itself is {@code "."}); symbolic links are not followed. */
    public static FsTree read(Path root) {
        Map<String, Node> nodes = new TreeMap<>();
        Map<String, String> inodeOf = new HashMap<>();
        try {
            Files.walkFileTree(root, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                    add(dir);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    add(file);
                    return FileVisitResult.CONTINUE;
                }

                private void add(Path p) throws IOException {
                    String rel = root.equals(p) ? "." : root.relativize(p).toString();
                    Map<String, Object> a = Files.readAttributes(p, "unix:mode,uid,gid,ino,dev,nlink",
                            LinkOption.NOFOLLOW_LINKS);
                    int mode = (Integer) a.get("mode");
                    String type = switch (mode & 0170000) {
                        case 0040000 -> "d";
                        case 0100000 -> "f";
                        case 0120000 -> "l";
                        case 0020000 -> "c";
                        case 0060000 -> "b";
                        case 0010000 -> "p";
                        case 0140000 -> "s";
                        default -> "?";
                    };
                    String content = switch (type) {
                        case "f" -> OciImageTar.sha256(Files.readAllBytes(p));
                        case "l" -> "-> " + Files.readSymbolicLink(p);
                        default -> "";
                    };
                    int links = type.equals("d") ? 1 : (Integer) a.get("nlink");
                    nodes.put(rel, new Node(type, mode & 07777, (Integer) a.get("uid"), (Integer) a.get("gid"), content,
                            links));
                    if (!type.equals("d")) {
                        inodeOf.put(rel, a.get("dev") + ":" + a.get("ino"));
                    }
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the tree " + root, e);
        }
        return new FsTree(nodes, inodeOf);
    }

    public Map<String, Node> nodes() {
        return nodes;
    }

    /** The entry at {@code path}, or null. */
    public Node get(String path) {
        return nodes.get(path);
    }

    /** True when the two paths are the same inode (hard links of each other). */
    public boolean sameInode(String a, String b) {
        String ia = inodeOf.get(a);
        return ia != null && ia.equals(inodeOf.get(b));
    }

    /** The names directly in directory {@code dir} ({@code "."} for the root), sorted. */
    public List<String> list(String dir) {
        String prefix = dir.equals(".") ? "" : dir + "/";
        List<String> out = new ArrayList<>();
        for (String p : nodes.keySet()) {
            if (!p.equals(".") && p.startsWith(prefix) && p.indexOf('/', prefix.length()) < 0) {
                out.add(p.substring(prefix.length()));
            }
        }
        return out;
    }

    /** Groups of paths sharing an inode, as sorted lists; only groups of two or more. */
    public List<List<String>> hardLinkGroups() {
        Map<String, List<String>> byInode = new TreeMap<>();
        inodeOf.forEach((p, i) -> byInode.computeIfAbsent(i, k -> new ArrayList<>()).add(p));
        List<List<String>> groups = new ArrayList<>();
        for (List<String> g : byInode.values()) {
            if (g.size() > 1) {
                g.sort(null);
                groups.add(g);
            }
        }
        groups.sort((x, y) -> x.get(0).compareTo(y.get(0)));
        return groups;
    }

    /** The entries that differ from {@code other} (added, removed or changed), one per line; empty when equal. */
    public String differences(FsTree other) {
        StringBuilder b = new StringBuilder();
        TreeMap<String, Boolean> all = new TreeMap<>();
        nodes.keySet().forEach(k -> all.put(k, true));
        other.nodes.keySet().forEach(k -> all.put(k, true));
        for (String p : all.keySet()) {
            Node mine = nodes.get(p);
            Node theirs = other.nodes.get(p);
            if (!Objects.equals(mine, theirs)) {
                b.append(p).append(": ").append(mine).append(" | ").append(theirs).append('\n');
            }
        }
        if (!hardLinkGroups().equals(other.hardLinkGroups())) {
            b.append("hard links: ").append(hardLinkGroups()).append(" | ").append(other.hardLinkGroups()).append('\n');
        }
        return b.toString();
    }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder();
        nodes.forEach((p, n) -> b.append(p).append(' ').append(n).append('\n'));
        return b.toString();
    }
}
