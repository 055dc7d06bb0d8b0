package org.containerj.config.impl;

import java.util.List;

/**
 * The outcome of reading the configuration files.
 *
 * @param config the merged configuration, or null when there are errors
 * @param problems every error and warning, each naming its file and key
 * @param mainMissing whether the main file does not exist (config is then null)
 * @param targets what to watch for the next change
 * @param digest a digest of the names and contents of every file read, to skip reloads that
 *        would read the same bytes
 */
public record ConfigLoad(DaemonConfig config, List<ConfigProblem> problems, boolean mainMissing,
                         WatchTargets targets, String digest) {

    public ConfigLoad {
        problems = List.copyOf(problems);
    }

    public boolean valid() {
        return config != null;
    }

    public List<ConfigProblem> errors() {
        return problems.stream().filter(ConfigProblem::isError).toList();
    }

    public List<ConfigProblem> warnings() {
        return problems.stream().filter(p -> !p.isError()).toList();
    }
}
