package org.containerj.transfer.impl;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * {@code [plugins."io.containerd.transfer.v1.local"]}: containerd's keys where it has them.
 */
@ObjectClassDefinition(name = "containerj transfer", description = "Image pull, push, import and export in the daemon")
public @interface TransferConfig {
    @AttributeDefinition(description = "Blobs one pull fetches at once")
    int max_concurrent_downloads() default 3;

    @AttributeDefinition(description = "Blobs one push uploads at once")
    int max_concurrent_uploaded_layers() default 3;

    @AttributeDefinition(description = "Snapshotter an unpack uses when the request names none")
    String snapshotter() default "overlayfs";

    @AttributeDefinition(description = "A fetch or upload that moves no byte for this long fails (Go duration)")
    String stall_timeout() default "5m";
}
