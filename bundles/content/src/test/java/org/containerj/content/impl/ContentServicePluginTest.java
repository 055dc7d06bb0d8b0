package org.containerj.content.impl;

import static org.containerj.content.impl.LocalContentStoreTest.bytes;
import static org.containerj.content.impl.LocalContentStoreTest.kindOf;
import static org.containerj.content.impl.LocalContentStoreTest.sha256;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.containerj.api.content.ContentStore;
import org.containerj.api.content.ContentWriter;
import org.containerj.api.content.Digest;
import org.containerj.api.errdefs.ErrorKind;
import org.containerj.api.events.EventPublisher;
import org.containerj.api.gc.CollectionResult;
import org.containerj.api.gc.GarbageCollector;
import org.containerj.metadata.impl.LmdbMetadataStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ContentServicePluginTest {
    @TempDir
    Path dir;
    private LmdbMetadataStore db;
    private LocalContentStore local;
    private final List<String> events = new ArrayList<>();
    private int scheduled;

    @BeforeEach
    void open() throws IOException {
        db = LmdbMetadataStore.open(Files.createDirectories(dir.resolve("meta")), LmdbMetadataStore.Options.defaults(),
                List.of());
        local = LocalContentStore.open(dir.resolve("content"));
    }

    @AfterEach
    void close() {
        local.close();
        db.close();
    }

    private final EventPublisher publisher = (namespace, topic, type, payload) -> events.add(namespace + " " + topic);

    private final GarbageCollector gc = new GarbageCollector() {
        @Override
        public void schedule() {
            scheduled++;
        }

        @Override
        public CollectionResult collect() {
            throw new AssertionError("a delete only asks for a run");
        }
    };

    private static Digest commit(ContentStore store, String data) {
        try (ContentWriter w = store.writer("ref-" + data, 0, null, Map.of())) {
            w.write(bytes(data));
            w.commit(data.length(), sha256(data), Map.of());
        }
        return sha256(data);
    }

    @Test
    void aDeletePublishesAndAsksForACollection() {
        ContentServicePlugin plugin = new ContentServicePlugin(db, local, publisher, gc);
        ContentStore ns = plugin.forNamespace("a", null);
        Digest d = commit(ns, "hello");
        assertEquals(0, scheduled, "writing asks for no collection");

        ns.delete(d);
        assertEquals(List.of("a /content/delete"), events);
        assertEquals(1, scheduled);

        assertEquals(ErrorKind.NOT_FOUND, kindOf(() -> ns.delete(d)));
        assertEquals(1, scheduled, "a failed delete asks for nothing");
    }

    @Test
    void withoutCollectorOrExchangeADeleteStillWorks() {
        ContentServicePlugin plugin = new ContentServicePlugin(db, local, (EventPublisher) null, null);
        ContentStore ns = plugin.forNamespace("a", null);
        Digest d = commit(ns, "hello");
        ns.delete(d);
        assertEquals(ErrorKind.NOT_FOUND, kindOf(() -> ns.info(d)));
    }
}
