package org.containerj.config.impl;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** Collects the problems found in one file; every problem names the file and the key. */
final class ProblemList {

    private final Path file;
    private final List<ConfigProblem> problems;

    ProblemList(Path file) {
        this(file, new ArrayList<>());
    }

    private ProblemList(Path file, List<ConfigProblem> sink) {
        this.file = file;
        this.problems = sink;
    }

    /** The same list, for problems found in another file. */
    ProblemList forFile(Path other) {
        return new ProblemList(other, problems);
    }

    Path file() {
        return file;
    }

    void error(KeyPath key, String message) {
        problems.add(ConfigProblem.error(file, key, message));
    }

    void warn(KeyPath key, String message) {
        problems.add(ConfigProblem.warning(file, key, message));
    }

    boolean hasErrors() {
        return problems.stream().anyMatch(ConfigProblem::isError);
    }

    List<ConfigProblem> all() {
        return Collections.unmodifiableList(problems);
    }
}
