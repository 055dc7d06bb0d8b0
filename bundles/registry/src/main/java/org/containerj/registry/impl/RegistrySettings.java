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
 */
record RegistrySettings(Path configPath, Duration stallTimeout, long rangeThreshold, int rangeChunkSize,
        int rangeConcurrency) {

    static final String DEFAULT_CONFIG_PATH = "/etc/containerj/certs.d";
    static final Duration DEFAULT_STALL_TIMEOUT = Duration.ofSeconds(60);
    static final long DEFAULT_RANGE_THRESHOLD = 8L << 20;
    static final int DEFAULT_RANGE_CHUNK_SIZE = 1 << 20;
    static final int DEFAULT_RANGE_CONCURRENCY = 4;

    static RegistrySettings defaults() {
        return new RegistrySettings(Path.of(DEFAULT_CONFIG_PATH), DEFAULT_STALL_TIMEOUT, DEFAULT_RANGE_THRESHOLD,
                DEFAULT_RANGE_CHUNK_SIZE, DEFAULT_RANGE_CONCURRENCY);
    }

    boolean ranges() {
        return rangeConcurrency > 1 && rangeChunkSize > 0;
    }
}
