package org.containerj.gc.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import org.containerj.api.gc.CollectionResult;
import org.junit.jupiter.api.Test;

class GcSchedulerTest {
    private final AtomicInteger runs = new AtomicInteger();

    private CollectionResult run() {
        runs.incrementAndGet();
        return new CollectionResult(List.of(), Duration.ZERO);
    }

    @Test
    void startsAfterTheStartupDelayAndCoalescesScheduledRuns() throws InterruptedException {
        try (GcScheduler s = new GcScheduler(this::run, Duration.ofMillis(50), Duration.ofMillis(200))) {
            Thread.sleep(400);
            assertEquals(1, runs.get(), "one run at start");
            for (int i = 0; i < 10; i++) {
                s.schedule();
            }
            Thread.sleep(100);
            assertEquals(1, runs.get(), "not before the schedule delay");
            Thread.sleep(400);
            assertEquals(2, runs.get(), "a burst of requests makes one run");
        }
    }

    @Test
    void collectRunsAtOnceAndWaits() {
        try (GcScheduler s = new GcScheduler(this::run, Duration.ofHours(1), Duration.ofHours(1))) {
            s.schedule();
            long start = System.nanoTime();
            s.collect();
            assertEquals(1, runs.get(), "the pending runs are the one collect waited for");
            s.collect();
            assertEquals(2, runs.get());
            assertTrue(Duration.ofNanos(System.nanoTime() - start).toSeconds() < 5);
        }
    }

    @Test
    void goDurations() {
        assertEquals(Duration.ZERO, GcScheduler.parseDuration("0", Duration.ofDays(1)));
        assertEquals(Duration.ofMillis(100), GcScheduler.parseDuration("100ms", Duration.ZERO));
        assertEquals(Duration.ofMillis(1500), GcScheduler.parseDuration("1.5s", Duration.ZERO));
        assertEquals(Duration.ofSeconds(90), GcScheduler.parseDuration("1m30s", Duration.ZERO));
        assertEquals(Duration.ofHours(2), GcScheduler.parseDuration("2h", Duration.ZERO));
        assertEquals(Duration.ofSeconds(7), GcScheduler.parseDuration(null, Duration.ofSeconds(7)));
        assertThrows(IllegalArgumentException.class, () -> GcScheduler.parseDuration("soon", Duration.ZERO));
        assertThrows(IllegalArgumentException.class, () -> GcScheduler.parseDuration("10", Duration.ZERO));
        assertEquals(Duration.ofMillis(250), GcScheduler.durationOf(java.util.Map.of("startup_delay_ms", 250L),
                "startup_delay", Duration.ZERO));
        assertEquals(Duration.ofSeconds(2), GcScheduler.durationOf(java.util.Map.of("startup_delay", "2s",
                "startup_delay_ms", 250L), "startup_delay", Duration.ZERO));
        assertEquals(Duration.ofSeconds(3), GcScheduler.durationOf(java.util.Map.of("startup_delay", "later"),
                "startup_delay", Duration.ofSeconds(3)), "a bad value keeps the default");
    }
}
