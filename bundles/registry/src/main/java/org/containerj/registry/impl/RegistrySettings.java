package org.containerj.registry.impl;

import java.nio.file.Path;
import java.time.Duration;

/**
 * The registry client's configuration in force.
 *
 * @param configPath       the hosts directory (hosts.toml per registry host); null for none
 * @param stallTimeout     default stall timeout of a transfer
 * @param rangeThreshold   blobs from this many bytes on are fetched in parallel ranges
 * @param rangeChunkSize   bytes per range request
 * @param rangeConcurrency range requests in flight per blob (and buffers held); below 2 no ranges
 * @param rangeBufferLimit bytes all blobs' chunks beyond their first may hold together
 * @param rangeLocal       ranges also from local registries (loopback), where they only cost
 */
record RegistrySettings(Path configPath, Duration stallTimeout, long rangeThreshold, int rangeChunkSize,
        int rangeConcurrency, int rangeBufferLimit, boolean rangeLocal) {

    static final String DEFAULT_CONFIG_PATH = "/etc/containerj/certs.d";
    static final Duration DEFAULT_STALL_TIMEOUT = Duration.ofSeconds(60);
    static final long DEFAULT_RANGE_THRESHOLD = 16L << 20;
    static final int DEFAULT_RANGE_CHUNK_SIZE = 4 << 20;
    static final int DEFAULT_RANGE_CONCURRENCY = 4;
    static final int DEFAULT_RANGE_BUFFER_LIMIT = 8 << 20;

    static RegistrySettings defaults() {
        return new RegistrySettings(Path.of(DEFAULT_CONFIG_PATH), DEFAULT_STALL_TIMEOUT, DEFAULT_RANGE_THRESHOLD,
                DEFAULT_RANGE_CHUNK_SIZE, DEFAULT_RANGE_CONCURRENCY, DEFAULT_RANGE_BUFFER_LIMIT, false);
    }

    /** These settings with ranges from local registries too, and the given range sizes (tests). */
    static RegistrySettings withRanges(Path configPath, Duration stall, long threshold, int chunk, int concurrency) {
        return new RegistrySettings(configPath, stall, threshold, chunk, concurrency, DEFAULT_RANGE_BUFFER_LIMIT, true);
    }

    boolean ranges() {
        return rangeConcurrency > 1 && rangeChunkSize > 0;
    }
}
