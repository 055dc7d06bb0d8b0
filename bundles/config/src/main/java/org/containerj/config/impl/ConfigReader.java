package org.containerj.config.impl;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads the main configuration file and, breadth first, the files its {@code imports} name,
 * and merges them ({@link DaemonConfig#merge}). An import is a path, relative to the directory
 * of the file that names it, or a pattern with {@code *} in its file name
 * ({@code /etc/containerj/conf.d/*.toml}), whose matches are read in name order; a file is read
 * once even when imported twice.
 */
public final class ConfigReader {

    /**
     * Reads {@code main} and its imports.
     *
     * @param main the main file, or null for the built-in defaults
     */
    public ConfigLoad read(Path main) {
        if (main == null) {
            return new ConfigLoad(DaemonConfig.defaults(), List.of(), false, WatchTargets.NONE, "");
        }
        main = main.toAbsolutePath().normalize();
        MessageDigest digest = sha256();
        ProblemList problems = new ProblemList(main);
        Set<Path> dirs = new LinkedHashSet<>();
        Set<Path> watched = new LinkedHashSet<>();
        Set<String> globs = new LinkedHashSet<>();
        List<ConfigFragment> fragments = new ArrayList<>();
        Set<Path> loaded = new LinkedHashSet<>();
        Deque<Path> pending = new ArrayDeque<>();
        pending.add(main);
        addWatch(main, dirs, watched);
        boolean mainMissing = false;

        while (!pending.isEmpty()) {
            Path file = pending.removeFirst();
            if (!loaded.add(file)) {
                continue;
            }
            boolean isMain = file.equals(main);
            ProblemList fileProblems = problems.forFile(file);
            String text;
            try {
                text = decode(Files.readAllBytes(file));
            } catch (NoSuchFileException e) {
                if (isMain) {
                    mainMissing = true;
                }
                fileProblems.error(KeyPath.root(), "file does not exist");
                continue;
            } catch (CharacterCodingException e) {
                fileProblems.error(KeyPath.root(), "not valid UTF-8");
                continue;
            } catch (IOException e) {
                fileProblems.error(KeyPath.root(), "cannot read: " + e);
                continue;
            }
            digest.update(file.toString().getBytes(StandardCharsets.UTF_8));
            digest.update((byte) 0);
            digest.update(text.getBytes(StandardCharsets.UTF_8));
            digest.update((byte) 0);

            Map<String, Object> tree;
            try {
                tree = ConfigFile.parse(text);
            } catch (ConfigFile.SyntaxError e) {
                fileProblems.error(KeyPath.root(), "invalid TOML: " + e.getMessage());
                continue;
            }
            ConfigFragment fragment = ConfigSchema.read(tree, file, isMain, fileProblems);
            fragments.add(fragment);
            pending.addAll(resolveImports(file, fragment.imports(), fileProblems, dirs, watched, globs));
        }

        WatchTargets targets = new WatchTargets(dirs, watched, globs);
        String hex = HexFormat.of().formatHex(digest.digest());
        if (problems.hasErrors()) {
            return new ConfigLoad(null, problems.all(), mainMissing, targets, hex);
        }
        DaemonConfig config = DaemonConfig.merge(fragments);
        if (config.root().equals(config.state())) {
            problems.error(KeyPath.of("state"), "root and state must be different paths, both are \"" + config.root() + "\"");
            return new ConfigLoad(null, problems.all(), false, targets, hex);
        }
        return new ConfigLoad(config, problems.all(), false, targets, hex);
    }

    private static List<Path> resolveImports(Path parent, List<String> imports, ProblemList problems,
                                             Set<Path> dirs, Set<Path> watched, Set<String> globs) {
        List<Path> out = new ArrayList<>();
        Path base = parent.getParent();
        for (int i = 0; i < imports.size(); i++) {
            String entry = imports.get(i);
            KeyPath key = KeyPath.of("imports").index(i);
            if (entry.isEmpty()) {
                problems.error(key, "empty path");
                continue;
            }
            Path path = base.resolve(entry).normalize();
            if (!entry.contains("*")) {
                out.add(path);
                addWatch(path, dirs, watched);
                continue;
            }
            Path dir = path.getParent();
            if (dir.toString().contains("*")) {
                problems.error(key, "\"" + entry + "\": a wildcard is only supported in the file name");
                continue;
            }
            dirs.add(dir);
            globs.add(path.toString());
            out.addAll(glob(dir, path.getFileName().toString(), key, problems));
        }
        return out;
    }

    private static List<Path> glob(Path dir, String pattern, KeyPath key, ProblemList problems) {
        List<Path> matches = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return matches;
        }
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir, pattern)) {
            for (Path p : s) {
                if (Files.isRegularFile(p)) {
                    matches.add(p.normalize());
                }
            }
        } catch (IOException | RuntimeException e) {
            problems.error(key, "cannot list " + dir + " for \"" + pattern + "\": " + e);
        }
        matches.sort(null);
        return matches;
    }

    private static void addWatch(Path file, Set<Path> dirs, Set<Path> watched) {
        watched.add(file);
        if (file.getParent() != null) {
            dirs.add(file.getParent());
        }
    }

    private static String decode(byte[] bytes) throws CharacterCodingException {
        return StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT)
            .decode(ByteBuffer.wrap(bytes))
            .toString()
            .replaceFirst("^\uFEFF", "");
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
