package org.containerj.registry.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.lang.annotation.Annotation;
import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.Test;

/** The plugin's table (PID io.containerd.internal.v1.registry) as settings, bad values replaced by defaults. */
class RegistryPluginTest {

    static RegistryConfig config(String path, String stall, long threshold, long chunk, long concurrency) {
        return new RegistryConfig() {
            @Override
            public Class<? extends Annotation> annotationType() {
                return RegistryConfig.class;
            }

            @Override
            public String config__path() {
                return path;
            }

            @Override
            public String stall__timeout() {
                return stall;
            }

            @Override
            public long range__threshold() {
                return threshold;
            }

            @Override
            public long range__chunk__size() {
                return chunk;
            }

            @Override
            public long range__concurrency() {
                return concurrency;
            }

            @Override
            public long range__buffer__limit() {
                return 1 << 20;
            }

            @Override
            public boolean range__local() {
                return true;
            }

            @Override
            public String connect__timeout() {
                return "30s";
            }
        };
    }

    @Test
    void theTableBecomesSettings() {
        RegistrySettings s = RegistryPlugin.settings(config("/etc/x/certs.d", "1m30s", 100, 200, 3));
        assertEquals(Path.of("/etc/x/certs.d"), s.configPath());
        assertEquals(Duration.ofSeconds(90), s.stallTimeout());
        assertEquals(100, s.rangeThreshold());
        assertEquals(200, s.rangeChunkSize());
        assertEquals(3, s.rangeConcurrency());
        assertEquals(1 << 20, s.rangeBufferLimit());
        assertEquals(true, s.rangeLocal());
    }

    @Test
    void badValuesFallBackToDefaults() {
        RegistrySettings s = RegistryPlugin.settings(config("", "soon", -5, 0, 1000));
        assertNull(s.configPath(), "empty: no hosts directory");
        assertEquals(RegistrySettings.DEFAULT_STALL_TIMEOUT, s.stallTimeout());
        assertEquals(0, s.rangeThreshold());
        assertEquals(RegistrySettings.DEFAULT_RANGE_CHUNK_SIZE, s.rangeChunkSize());
        assertEquals(64, s.rangeConcurrency());
        assertEquals(RegistrySettings.DEFAULT_STALL_TIMEOUT, RegistryPlugin.settings(config("", "0s", 1, 1, 1))
                .stallTimeout());
        assertFalse(RegistryPlugin.settings(config("", "1s", 1, 1, 1)).ranges(), "one at a time: no ranges");
    }
}
