package org.containerj.registry.impl;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * {@code [plugins."io.containerd.internal.v1.registry"]} of config.toml. Method names use
 * DS's mapping: a double underscore stands for containerd's single underscore.
 */
@ObjectClassDefinition(id = RegistryPlugin.PID, name = "containerj registry client")
@interface RegistryConfig {
    @AttributeDefinition(required = false, description = "directory of <host>/hosts.toml registry host "
            + "configurations (containerd's config_path); empty for none")
    String config__path() default RegistrySettings.DEFAULT_CONFIG_PATH;

    @AttributeDefinition(required = false, description = "a transfer that receives no byte for this long fails "
            + "(Go duration, e.g. 60s)")
    String stall__timeout() default "60s";

    @AttributeDefinition(required = false, description = "blobs of at least this many bytes are fetched in "
            + "parallel ranges when the registry serves ranges")
    long range__threshold() default RegistrySettings.DEFAULT_RANGE_THRESHOLD;

    @AttributeDefinition(required = false, description = "bytes per range request")
    long range__chunk__size() default RegistrySettings.DEFAULT_RANGE_CHUNK_SIZE;

    @AttributeDefinition(required = false, description = "range requests in flight per blob (memory per blob: "
            + "this many chunks); 1 or less fetches each blob as one stream")
    long range__concurrency() default RegistrySettings.DEFAULT_RANGE_CONCURRENCY;

    @AttributeDefinition(required = false, description = "bytes the chunks of all blobs beyond each blob's first "
            + "may hold together (a blob always has one chunk)")
    long range__buffer__limit() default RegistrySettings.DEFAULT_RANGE_BUFFER_LIMIT;

    @AttributeDefinition(required = false, description = "fetch in ranges from local registries (localhost, "
            + "loopback addresses) too; off: on loopback ranges cost more than they give")
    boolean range__local() default false;

    @AttributeDefinition(required = false, description = "bound on establishing a connection (Go duration)")
    String connect__timeout() default "30s";
}
