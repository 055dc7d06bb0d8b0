package org.containerj.launcher;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class LogLevelTest {

    @Test
    void containerdLevelsMapToTinylog() {
        assertEquals("trace", LogLevel.parse("trace").tinylog());
        assertEquals("debug", LogLevel.parse("DEBUG").tinylog());
        assertEquals("info", LogLevel.parse("info").tinylog());
        assertEquals("warn", LogLevel.parse("warn").tinylog());
        assertEquals("warn", LogLevel.parse("warning").tinylog());
        assertEquals("error", LogLevel.parse("error").tinylog());
        assertEquals("error", LogLevel.parse("fatal").tinylog());
        assertEquals("error", LogLevel.parse("panic").tinylog());
        assertEquals(4, LogLevel.DEBUG.felix());
        assertEquals(1, LogLevel.PANIC.felix());
    }

    @Test
    void unknownLevelIsRejected() {
        assertThrows(IllegalArgumentException.class, () -> LogLevel.parse("verbose"));
    }
}
