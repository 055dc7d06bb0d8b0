package org.containerj.config.impl;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.tinylog.Logger;

/**
 * Applies {@code oom_score} to the daemon's own process, as containerd does, by writing
 * {@code /proc/self/oom_score_adj}. Only a value the file sets is written, and only when it
 * differs from the one written last.
 */
public final class OomScore {

    private final Path file;
    private Long applied;

    public OomScore() {
        this(Path.of("/proc/self/oom_score_adj"));
    }

    OomScore(Path file) {
        this.file = file;
    }

    /**
     * Writes {@code score} unless it is null or already written; like containerd, leaves the
     * process alone while the score has only ever been 0.
     */
    public synchronized void apply(Long score) {
        if (score == null || score.equals(applied) || (applied == null && score == 0L)) {
            return;
        }
        try {
            Files.write(file, (score + "\n").getBytes(StandardCharsets.US_ASCII));
            applied = score;
            Logger.info("oom_score {} applied to the daemon process", score);
        } catch (IOException | SecurityException e) {
            Logger.warn("oom_score: cannot write {} to {}: {}", score, file, e.toString());
        }
    }
}
