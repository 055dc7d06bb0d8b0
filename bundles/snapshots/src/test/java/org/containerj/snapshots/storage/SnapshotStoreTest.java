package org.containerj.snapshots.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.containerj.api.errdefs.ContainerjException;
import org.containerj.api.errdefs.ErrorKind;
import org.containerj.api.snapshots.SnapshotKind;
import org.containerj.api.snapshots.SnapshotUsage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SnapshotStoreTest {
    @TempDir
    Path dir;

    private static ErrorKind kindOf(Runnable r) {
        return assertThrows(ContainerjException.class, r::run).kind();
    }

    @Test
    void keepsSnapshotsAcrossReopen() {
        try (SnapshotStore store = SnapshotStore.open(dir)) {
            StoredSnapshot a = store.update(tx -> tx.create(SnapshotKind.ACTIVE, "a", "", Map.of("k", "v")));
            assertEquals(1, a.id());
            store.update(tx -> tx.commit("a", "A", new SnapshotUsage(3, 4096), Map.of("c", "d")));
            StoredSnapshot b = store.update(tx -> tx.create(SnapshotKind.VIEW, "b", "A", Map.of()));
            assertEquals(List.of(1L), b.parentIds());
        }
        try (SnapshotStore store = SnapshotStore.open(dir)) {
            SnapshotEntry a = store.view(tx -> tx.entry("A"));
            assertEquals(1, a.id());
            assertEquals(SnapshotKind.COMMITTED, a.kind());
            assertEquals(Map.of("c", "d"), a.labels());
            assertEquals(new SnapshotUsage(3, 4096), a.usage());
            assertEquals(SnapshotKind.VIEW, store.view(tx -> tx.entry("b")).kind());
            StoredSnapshot c = store.update(tx -> tx.create(SnapshotKind.ACTIVE, "c", "A", Map.of()));
            assertEquals(3, c.id(), "ids continue");
        }
    }

    @Test
    void failedWorkKeepsNothing() {
        try (SnapshotStore store = SnapshotStore.open(dir)) {
            store.update(tx -> tx.create(SnapshotKind.ACTIVE, "a", "", Map.of()));
            assertThrows(IllegalStateException.class, () -> store.update(tx -> {
                tx.create(SnapshotKind.ACTIVE, "b", "", Map.of());
                throw new IllegalStateException("boom");
            }));
            assertTrue(store.view(tx -> tx.find("b")).isEmpty());
            assertEquals(1, store.view(SnapshotTransaction::sequence));
        }
        try (SnapshotStore store = SnapshotStore.open(dir)) {
            assertTrue(store.view(tx -> tx.find("b")).isEmpty());
        }
    }

    @Test
    void rulesOfSnapshots() {
        try (SnapshotStore store = SnapshotStore.open(dir)) {
            store.update(tx -> tx.create(SnapshotKind.ACTIVE, "a", "", Map.of()));
            assertEquals(ErrorKind.ALREADY_EXISTS, kindOf(() -> store.update(tx -> tx.create(SnapshotKind.VIEW, "a", "", Map.of()))));
            assertEquals(ErrorKind.INVALID_ARGUMENT, kindOf(() -> store.update(tx -> tx.create(SnapshotKind.ACTIVE, "b", "a", Map.of()))));
            assertEquals(ErrorKind.NOT_FOUND, kindOf(() -> store.update(tx -> tx.create(SnapshotKind.ACTIVE, "b", "x", Map.of()))));
            assertEquals(ErrorKind.INVALID_ARGUMENT,
                    kindOf(() -> store.update(tx -> tx.create(SnapshotKind.COMMITTED, "b", "", Map.of()))));
            store.update(tx -> tx.commit("a", "A", new SnapshotUsage(0, 0), Map.of()));
            store.update(tx -> tx.create(SnapshotKind.ACTIVE, "b", "A", Map.of()));
            store.update(tx -> tx.commit("b", "B", new SnapshotUsage(0, 0), Map.of()));
            store.update(tx -> tx.create(SnapshotKind.VIEW, "v", "B", Map.of()));
            assertEquals(List.of(2L, 1L), store.view(tx -> tx.snapshot("v").parentIds()), "nearest first");
            assertEquals(ErrorKind.FAILED_PRECONDITION, kindOf(() -> store.view(tx -> tx.snapshot("B"))));
            assertEquals(ErrorKind.FAILED_PRECONDITION,
                    kindOf(() -> store.update(tx -> tx.commit("v", "V", new SnapshotUsage(0, 0), Map.of()))));
            assertEquals(ErrorKind.ALREADY_EXISTS,
                    kindOf(() -> store.update(tx -> tx.commit("v", "A", new SnapshotUsage(0, 0), Map.of()))));
            assertEquals(ErrorKind.FAILED_PRECONDITION, kindOf(() -> store.update(tx -> tx.remove("A"))));
            assertEquals(ErrorKind.NOT_FOUND, kindOf(() -> store.update(tx -> tx.remove("x"))));
            assertEquals(Set.of("1", "2", "3"), store.view(SnapshotTransaction::ids));
            store.update(tx -> tx.remove("v"));
            store.update(tx -> tx.remove("B"));
            store.update(tx -> tx.remove("A"));
            assertEquals(Set.of(), store.view(SnapshotTransaction::ids));
        }
    }

    @Test
    void damagedFileIsRefused() throws IOException {
        try (SnapshotStore store = SnapshotStore.open(dir)) {
            store.update(tx -> tx.create(SnapshotKind.ACTIVE, "a", "", Map.of()));
            store.compact();
        }
        Path file = dir.resolve(SnapshotStore.FILE);
        byte[] bytes = Files.readAllBytes(file);
        bytes[bytes.length / 2] ^= 0x40;
        Files.write(file, bytes);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> SnapshotStore.open(dir));
        assertTrue(e.getMessage().contains("damaged"), e.getMessage());
        Files.write(file, new byte[] {1, 2, 3});
        assertThrows(IllegalStateException.class, () -> SnapshotStore.open(dir));
    }

    @Test
    void tornJournalTailIsCutOff() throws IOException {
        try (SnapshotStore store = SnapshotStore.open(dir)) {
            store.update(tx -> tx.create(SnapshotKind.ACTIVE, "a", "", Map.of()));
            store.update(tx -> tx.create(SnapshotKind.ACTIVE, "b", "", Map.of()));
        }
        Path journal = dir.resolve(SnapshotStore.JOURNAL);
        byte[] bytes = Files.readAllBytes(journal);
        Files.write(journal, java.util.Arrays.copyOf(bytes, bytes.length - 3));
        try (SnapshotStore store = SnapshotStore.open(dir)) {
            assertTrue(store.view(tx -> tx.find("a")).isPresent());
            assertTrue(store.view(tx -> tx.find("b")).isEmpty(), "the update that never finished is gone");
            StoredSnapshot c = store.update(tx -> tx.create(SnapshotKind.ACTIVE, "c", "", Map.of()));
            assertEquals(2, c.id());
        }
        try (SnapshotStore store = SnapshotStore.open(dir)) {
            assertEquals(Set.of("1", "2"), store.view(SnapshotTransaction::ids));
            assertTrue(store.view(tx -> tx.find("c")).isPresent(), "records after the cut are read");
        }
    }

    @Test
    void crashBetweenCompactionAndTruncationLosesNothing() throws IOException {
        Path journal = dir.resolve(SnapshotStore.JOURNAL);
        byte[] records;
        try (SnapshotStore store = SnapshotStore.open(dir)) {
            store.update(tx -> tx.create(SnapshotKind.ACTIVE, "a", "", Map.of("x", "1")));
            store.update(tx -> tx.commit("a", "A", new SnapshotUsage(1, 2), Map.of()));
            store.update(tx -> tx.create(SnapshotKind.ACTIVE, "b", "A", Map.of()));
            store.update(tx -> tx.remove("b"));
            records = Files.readAllBytes(journal);
            store.compact();
            assertEquals(0, Files.size(journal));
        }
        Files.write(journal, records);
        try (SnapshotStore store = SnapshotStore.open(dir)) {
            assertEquals(Set.of("1"), store.view(SnapshotTransaction::ids));
            assertEquals(SnapshotKind.COMMITTED, store.view(tx -> tx.entry("A")).kind());
            assertEquals(3, store.update(tx -> tx.create(SnapshotKind.ACTIVE, "c", "A", Map.of())).id());
        }
    }

    @Test
    void longJournalIsCompacted() throws IOException {
        try (SnapshotStore store = SnapshotStore.open(dir)) {
            String big = "v".repeat(4000);
            for (int i = 0; i < SnapshotStore.COMPACT_AT / 4000 + 2; i++) {
                int n = i;
                store.update(tx -> tx.create(SnapshotKind.ACTIVE, "s" + n, "", Map.of("big", big)));
                store.update(tx -> tx.remove("s" + n));
            }
            assertTrue(Files.size(dir.resolve(SnapshotStore.JOURNAL)) < SnapshotStore.COMPACT_AT);
            assertTrue(Files.exists(dir.resolve(SnapshotStore.FILE)));
            store.update(tx -> tx.create(SnapshotKind.ACTIVE, "kept", "", Map.of()));
        }
        try (SnapshotStore store = SnapshotStore.open(dir)) {
            assertTrue(store.view(tx -> tx.find("kept")).isPresent());
            assertEquals(1, store.view(SnapshotTransaction::ids).size());
        }
    }

    @Test
    void oneStorePerDirectoryAndClosedMeansUnavailable() {
        SnapshotStore store = SnapshotStore.open(dir);
        assertThrows(IllegalStateException.class, () -> SnapshotStore.open(dir));
        store.close();
        assertEquals(ErrorKind.UNAVAILABLE, kindOf(() -> store.view(tx -> tx.find("a"))));
        SnapshotStore.open(dir).close();
        assertFalse(Files.exists(dir.resolve(SnapshotStore.FILE + ".tmp")));
    }

    @Test
    void labelUpdates() {
        Set<String> none = Set.of();
        assertEquals(Map.of("b", "2"), SnapshotTransaction.applyLabels(Map.of("a", "1"), Map.of("b", "2"), none, "s"));
        assertEquals(Map.of("a", "1", "b", "2"),
                SnapshotTransaction.applyLabels(Map.of("a", "1"), Map.of("b", "2"), Set.of("labels.b"), "s"));
        assertEquals(Map.of(), SnapshotTransaction.applyLabels(Map.of("a", "1"), Map.of("a", ""), Set.of("labels.a"), "s"),
                "an empty value removes the label");
        assertEquals(ErrorKind.INVALID_ARGUMENT,
                kindOf(() -> SnapshotTransaction.applyLabels(Map.of(), Map.of(), Set.of("name"), "s")));
    }
}
