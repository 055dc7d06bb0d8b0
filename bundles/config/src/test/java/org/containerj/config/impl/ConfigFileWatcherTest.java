package org.containerj.config.impl;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigFileWatcherTest {

    @TempDir
    Path dir;

    private Path file;
    private final LinkedBlockingQueue<String> changes = new LinkedBlockingQueue<>();
    private ConfigFileWatcher watcher;

    @BeforeEach
    void setUp() throws IOException {
        file = dir.resolve("config.toml");
        Files.writeString(file, "version = 2\n");
        watcher = new ConfigFileWatcher("test-config-watcher", Duration.ofMillis(100), () -> changes.add("changed"));
        watcher.watch(new WatchTargets(Set.of(dir, dir.resolve("conf.d")), Set.of(file),
            Set.of(dir.resolve("conf.d") + "/*.toml")));
        watcher.start();
    }

    @AfterEach
    void tearDown() {
        watcher.close();
    }

    private void assertChange() throws InterruptedException {
        assertNotNull(changes.poll(10, TimeUnit.SECONDS), "no change seen");
        // a burst of events is one change
        assertNull(changes.poll(500, TimeUnit.MILLISECONDS), "more than one change seen");
    }

    @Test
    void seesAnEditInPlace() throws Exception {
        Files.writeString(file, "version = 2\nroot = \"/x\"\n");
        assertChange();
    }

    @Test
    void seesAFileRenamedOverTheConfig() throws Exception {
        Path tmp = dir.resolve(".config.toml.tmp");
        Files.writeString(tmp, "version = 2\n");
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        assertChange();
    }

    @Test
    void ignoresOtherFiles() throws Exception {
        Files.writeString(dir.resolve("notes.txt"), "x");
        Files.writeString(dir.resolve(".config.toml.swp"), "x");
        assertNull(changes.poll(700, TimeUnit.MILLISECONDS));
    }

    @Test
    void seesAnImportDirectoryCreatedAndFilled() throws Exception {
        Files.createDirectory(dir.resolve("conf.d"));
        assertChange();
        // the owner re-registers after each change, as ConfigLoader does
        watcher.watch(new WatchTargets(Set.of(dir, dir.resolve("conf.d")), Set.of(file),
            Set.of(dir.resolve("conf.d") + "/*.toml")));
        Files.writeString(dir.resolve("conf.d/10-x.toml"), "oom_score = 1\n");
        assertChange();
    }

    @Test
    void stopsOnClose() throws Exception {
        watcher.close();
        Files.writeString(file, "version = 2\n# edited\n");
        assertNull(changes.poll(500, TimeUnit.MILLISECONDS));
    }
}
