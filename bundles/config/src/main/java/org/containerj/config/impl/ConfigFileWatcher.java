package org.containerj.config.impl;

import static java.nio.file.StandardWatchEventKinds.ENTRY_CREATE;
import static java.nio.file.StandardWatchEventKinds.ENTRY_DELETE;
import static java.nio.file.StandardWatchEventKinds.ENTRY_MODIFY;
import static java.nio.file.StandardWatchEventKinds.OVERFLOW;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import org.tinylog.Logger;

/**
 * Watches the directories that hold the configuration files, on its own daemon thread, and
 * calls back once a burst of changes to those files has settled. Directories are watched
 * rather than files, so that an editor that writes a new file and renames it over the old one
 * is seen; a directory that does not exist yet is seen being created through its parent.
 */
public final class ConfigFileWatcher implements AutoCloseable {

    private final WatchService watchService;
    private final Duration debounce;
    private final Runnable onChange;
    private final Thread thread;
    private final Map<WatchKey, Path> keys = new HashMap<>();
    private volatile WatchTargets targets = WatchTargets.NONE;
    /** Directories that do not exist yet: their creation counts as a change. */
    private volatile Set<Path> missingDirectories = Set.of();

    /**
     * @param threadName the watcher thread's name
     * @param debounce how long the files must stay quiet before {@code onChange} runs
     * @param onChange what to do on a change; runs on the watcher thread
     */
    public ConfigFileWatcher(String threadName, Duration debounce, Runnable onChange) throws IOException {
        this.watchService = FileSystems.getDefault().newWatchService();
        this.debounce = debounce;
        this.onChange = onChange;
        this.thread = new Thread(this::run, threadName);
        this.thread.setDaemon(true);
    }

    public void start() {
        thread.start();
    }

    /** Watches for changes of {@code newTargets}; may be called from any thread, also from the callback. */
    public synchronized void watch(WatchTargets newTargets) {
        targets = newTargets;
        Set<Path> wanted = new HashSet<>();
        Set<Path> missing = new HashSet<>();
        for (Path dir : newTargets.directories()) {
            if (Files.isDirectory(dir)) {
                wanted.add(dir);
            } else if (dir.getParent() != null && Files.isDirectory(dir.getParent())) {
                missing.add(dir);
                wanted.add(dir.getParent());
            } else {
                Logger.debug("config: {} does not exist, not watched", dir);
            }
        }
        missingDirectories = Set.copyOf(missing);
        keys.entrySet().removeIf(e -> {
            if (!e.getKey().isValid() || !wanted.contains(e.getValue())) {
                e.getKey().cancel();
                return true;
            }
            return false;
        });
        for (Path dir : wanted) {
            if (!keys.containsValue(dir)) {
                try {
                    keys.put(dir.register(watchService, ENTRY_CREATE, ENTRY_MODIFY, ENTRY_DELETE), dir);
                } catch (IOException | ClosedWatchServiceException e) {
                    Logger.warn("config: cannot watch {}: {}", dir, e.toString());
                }
            }
        }
    }

    private void run() {
        try {
            while (true) {
                if (!drain(watchService.take())) {
                    continue;
                }
                long deadline = System.nanoTime() + debounce.toNanos() * 10;
                WatchKey more;
                while ((more = watchService.poll(debounce.toMillis(), TimeUnit.MILLISECONDS)) != null) {
                    drain(more);
                    if (System.nanoTime() > deadline) {
                        break;
                    }
                }
                try {
                    onChange.run();
                } catch (RuntimeException | Error e) {
                    Logger.error(e, "config: reloading failed");
                }
            }
        } catch (ClosedWatchServiceException | InterruptedException e) {
            // closed
        }
    }

    /** Reads a key's events; true when one concerns the configuration. */
    private boolean drain(WatchKey key) {
        Path dir;
        synchronized (this) {
            dir = keys.get(key);
        }
        boolean relevant = false;
        for (WatchEvent<?> event : key.pollEvents()) {
            if (event.kind() == OVERFLOW) {
                relevant = true;
            } else if (dir != null) {
                Path path = dir.resolve((Path) event.context());
                relevant |= targets.matches(path) || missingDirectories.contains(path);
            }
        }
        if (!key.reset()) {
            synchronized (this) {
                keys.remove(key);
            }
        }
        return relevant;
    }

    /** Stops watching; waits for a reload in progress to finish. */
    @Override
    public void close() {
        try {
            watchService.close();
        } catch (IOException e) {
            Logger.debug(e, "config: closing the watch service");
        }
        // no interrupt: a reload in progress finishes, then the closed service ends the loop
        if (thread.isAlive() && Thread.currentThread() != thread) {
            try {
                thread.join(TimeUnit.SECONDS.toMillis(10));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
