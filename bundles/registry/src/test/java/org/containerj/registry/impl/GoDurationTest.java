package org.containerj.registry.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;

import org.junit.jupiter.api.Test;

class GoDurationTest {
    @Test
    void parsesGoDurations() {
        assertEquals(Duration.ofSeconds(60), GoDuration.parse("60s"));
        assertEquals(Duration.ofSeconds(90), GoDuration.parse("1m30s"));
        assertEquals(Duration.ofMillis(500), GoDuration.parse("500ms"));
        assertEquals(Duration.ofMillis(1500), GoDuration.parse("1.5s"));
        assertEquals(Duration.ofHours(2), GoDuration.parse("2h"));
        assertEquals(Duration.ZERO, GoDuration.parse("0"));
        for (String bad : new String[] {"", "60", "1x", "s", "1m 30s", "-1s"}) {
            assertThrows(IllegalArgumentException.class, () -> GoDuration.parse(bad), bad);
        }
    }

    @Test
    void printsLikeGo() {
        assertEquals("1m0s", GoDuration.format(Duration.ofSeconds(60)));
        assertEquals("250ms", GoDuration.format(Duration.ofMillis(250)));
        assertEquals("1.5s", GoDuration.format(Duration.ofMillis(1500)));
        assertEquals("1h0m5s", GoDuration.format(Duration.ofSeconds(3605)));
    }
}
