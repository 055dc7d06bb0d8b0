package org.containerj.runtime.runc.impl;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

import org.tinylog.Logger;

/**
 * What the runtime has told of a process, kept next to what conmon records in the process's
 * directory (a task's bundle or an exec's directory), so that it survives the daemon:
 * {@code exit.announced} once {@code /tasks/exit} went out, {@code oom.announced} holding
 * the OOM kill count the last {@code /tasks/oom} was published for.
 */
final class Announced {
    static final String EXIT = "exit.announced";
    static final String OOM = "oom.announced";

    private Announced() {
    }

    static boolean exit(Path dir) {
        return Files.exists(dir.resolve(EXIT));
    }

    static void markExit(Path dir) {
        write(dir.resolve(EXIT), "");
    }

    /** The OOM kill count last announced, 0 when none was. */
    static long oomKills(Path dir) {
        try {
            return Long.parseLong(Files.readString(dir.resolve(OOM), StandardCharsets.US_ASCII).trim());
        } catch (IOException | NumberFormatException e) {
            return 0;
        }
    }

    static void markOomKills(Path dir, long kills) {
        write(dir.resolve(OOM), Long.toString(kills));
    }

    private static void write(Path file, String content) {
        if (!Files.isDirectory(file.getParent())) {
            return; // deleted meanwhile: nothing left to remember
        }
        try {
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            Files.writeString(tmp, content, StandardCharsets.US_ASCII);
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            // Worst case the event is told again after a restart.
            Logger.tag("runtime").warn("cannot record {}: {}", file, e.getMessage());
        }
    }
}
