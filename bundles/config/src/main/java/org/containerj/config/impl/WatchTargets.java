package org.containerj.config.impl;

import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.Set;

/**
 * What a change of the configuration looks like on disk: the directories to watch, and the
 * files in them (by exact path or by an import's glob) whose creation, change or removal means
 * the configuration must be read again.
 *
 * @param directories the directories holding the files
 * @param files the files read, and those named by imports that do not exist yet
 * @param globs the imports with a wildcard, as absolute glob patterns
 */
public record WatchTargets(Set<Path> directories, Set<Path> files, Set<String> globs) {

    public static final WatchTargets NONE = new WatchTargets(Set.of(), Set.of(), Set.of());

    public WatchTargets {
        directories = Set.copyOf(directories);
        files = Set.copyOf(files);
        globs = Set.copyOf(globs);
    }

    /** Whether an event on {@code path} (absolute) concerns the configuration. */
    public boolean matches(Path path) {
        if (files.contains(path)) {
            return true;
        }
        for (String glob : globs) {
            PathMatcher m = FileSystems.getDefault().getPathMatcher("glob:" + glob);
            if (m.matches(path)) {
                return true;
            }
        }
        return false;
    }
}
