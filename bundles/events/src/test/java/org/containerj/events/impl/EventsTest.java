package org.containerj.events.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.containerj.api.errdefs.ContainerjException;
import org.containerj.api.errdefs.ErrorKind;
import org.containerj.api.events.Envelope;
import org.containerj.filters.Filter;
import org.containerj.proto.events.NamespaceCreate;
import org.junit.jupiter.api.Test;

class EventsTest {

    @Test
    void topicsFollowContainerdRules() {
        assertEquals("/namespaces/create", Topics.validate("/namespaces/create"));
        for (String bad : new String[] {"", "/", "namespaces", "/a//b", "/a/", "/a b"}) {
            ContainerjException e = assertThrows(ContainerjException.class, () -> Topics.validate(bad), bad);
            assertEquals(ErrorKind.INVALID_ARGUMENT, e.kind());
        }
    }

    @Test
    void exchangeDeliversInOrderToSubscribers() throws Exception {
        EventExchange exchange = new EventExchange();
        exchange.activate();
        try {
            LinkedBlockingQueue<Envelope> got = new LinkedBlockingQueue<>();
            try (AutoCloseable s = exchange.subscribe(got::add)) {
                exchange.publish("default", "/namespaces/create", "containerd.events.NamespaceCreate", new byte[0]);
                exchange.publish("other", "/namespaces/delete", "containerd.events.NamespaceDelete", new byte[0]);
                assertEquals("/namespaces/create", got.poll(5, TimeUnit.SECONDS).topic());
                assertEquals("other", got.poll(5, TimeUnit.SECONDS).namespace());
            }
            assertThrows(ContainerjException.class,
                    () -> exchange.publish("bad ns", "/x", "t", new byte[0]));
        } finally {
            exchange.deactivate();
        }
    }

    @Test
    void filtersReadEnvelopeAndEventFields() {
        byte[] payload = NamespaceCreate.newBuilder().setName("team").putLabels("k", "v").build().toByteArray();
        Envelope e = new Envelope(Instant.now(), "default", "/namespaces/create",
                "containerd.events.NamespaceCreate", payload);
        assertTrue(Filter.parse("topic==/namespaces/create").matches(EventFields.of(e)));
        assertTrue(Filter.parse("namespace==default,event.name==team").matches(EventFields.of(e)));
        assertTrue(Filter.parse("event.labels.k==v").matches(EventFields.of(e)));
        assertFalse(Filter.parse("event.name==other").matches(EventFields.of(e)));
        assertFalse(Filter.parse("topic~=^/tasks/").matches(EventFields.of(e)));
    }
}
