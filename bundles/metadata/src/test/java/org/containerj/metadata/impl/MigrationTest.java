package org.containerj.metadata.impl;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.containerj.api.errdefs.ContainerjException;
import org.containerj.api.errdefs.ErrorKind;
import org.containerj.api.metadata.Entry;
import org.containerj.api.metadata.Key;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MigrationTest {

    @TempDir
    Path dir;

    private final List<String> ran = new ArrayList<>();

    /** Version 1 writes an old-style key; version 2 moves it under v1/default/images. */
    private final Migration one = new Migration(1, "seed", tx -> {
        ran.add("1");
        tx.put(Key.of("images", "busybox"), "sha256:1".getBytes(UTF_8));
    });
    private final Migration two = new Migration(2, "move images under a namespace", tx -> {
        ran.add("2");
        for (Entry e : tx.scan(Key.of("images"))) {
            tx.put(Key.of("v1", "default", "images", e.key().last()), e.value());
        }
        tx.deleteAll(Key.of("images"));
    });
    private final Migration failing = new Migration(3, "fails half way", tx -> {
        ran.add("3");
        tx.deleteAll(Key.ROOT);
        tx.put(Key.of("half"), new byte[1]);
        throw new IllegalStateException("disk on fire");
    });

    private LmdbMetadataStore open(List<Migration> migrations) {
        return LmdbMetadataStore.open(dir, LmdbMetadataStore.Options.defaults(), migrations);
    }

    private static List<String> keys(LmdbMetadataStore store) {
        return store.view(tx -> tx.scan(Key.ROOT).stream().map(e -> e.key().toString()).toList());
    }

    @Test
    void migratesStepByStepAcrossOpens() {
        try (LmdbMetadataStore store = open(List.of())) {
            assertEquals(0, store.schemaVersion());
        }
        try (LmdbMetadataStore store = open(List.of(one))) {
            assertEquals(1, store.schemaVersion());
            assertEquals(List.of("images/busybox"), keys(store));
        }
        try (LmdbMetadataStore store = open(List.of(one, two))) {
            assertEquals(2, store.schemaVersion());
            assertEquals(List.of("v1/default/images/busybox"), keys(store));
        }
        try (LmdbMetadataStore store = open(List.of(one, two))) {
            assertEquals(2, store.schemaVersion());
        }
        assertEquals(List.of("1", "2"), ran, "each step runs once");
    }

    @Test
    void migratesFromZeroToTheLatestInOneGo() {
        try (LmdbMetadataStore store = open(List.of(one, two))) {
            assertEquals(2, store.schemaVersion());
            assertEquals(List.of("v1/default/images/busybox"), keys(store));
        }
        assertEquals(List.of("1", "2"), ran);
    }

    @Test
    void aFailedMigrationChangesNothing() {
        try (LmdbMetadataStore store = open(List.of(one))) {
            assertEquals(1, store.schemaVersion());
        }
        ContainerjException e = assertThrows(ContainerjException.class, () -> open(List.of(one, two, failing)));
        assertEquals(ErrorKind.INTERNAL, e.kind());
        assertTrue(e.getMessage().contains("migration 3 (fails half way) failed: disk on fire"), e.getMessage());
        assertEquals(List.of("1", "2", "3"), ran);
        // neither step 2 nor step 3 left anything, and the version is still 1
        try (LmdbMetadataStore store = open(List.of(one))) {
            assertEquals(1, store.schemaVersion());
            assertEquals(List.of("images/busybox"), keys(store));
        }
    }

    @Test
    void refusesAStoreNewerThanItsMigrations() {
        open(List.of(one, two)).close();
        ContainerjException e = assertThrows(ContainerjException.class, () -> open(List.of(one)));
        assertEquals(ErrorKind.FAILED_PRECONDITION, e.kind());
        try (LmdbMetadataStore store = open(List.of(one, two))) {
            assertEquals(List.of("v1/default/images/busybox"), keys(store));
        }
    }

    @Test
    void migrationsMustBeNumberedInOrder() {
        assertThrows(IllegalArgumentException.class, () -> open(List.of(two)));
        assertThrows(IllegalArgumentException.class, () -> open(List.of(two, one)));
        assertThrows(IllegalArgumentException.class, () -> new Migration(0, "zero", tx -> { }));
    }

    @Test
    void theShippedSchemaIsVersionOne() {
        try (LmdbMetadataStore store = open(Migrations.ALL)) {
            assertEquals(1, store.schemaVersion());
            assertEquals(List.of(), keys(store));
        }
    }
}
