package org.containerj.transfer.impl;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * {@code [plugins."io.containerd.transfer.v1.local"]}, containerd's keys where it has them
 * (a double underscore in a method name stands for the key's underscore).
 */
@ObjectClassDefinition(name = "containerj transfer", description = "Image pull, push, import and export in the daemon")
public @interface TransferConfig {
    @AttributeDefinition(description = "Blobs one pull fetches at once")
    int max__concurrent__downloads() default 3;

    @AttributeDefinition(description = "Blobs one push uploads at once")
    int max__concurrent__uploaded__layers() default 3;

    @AttributeDefinition(description = "Layers one unpack applies at once when the snapshotter can rebase "
            + "(containerd 2.2's key); 1 unpacks layer after layer")
    int max__concurrent__unpacks() default TransferSettings.DEFAULT_CONCURRENT_UNPACKS;

    @AttributeDefinition(description = "Snapshotter an unpack uses when the request names none")
    String snapshotter() default "overlayfs";

    @AttributeDefinition(description = "A fetch or upload that moves no byte for this long fails (Go duration); "
            + "empty for the registry client's own stall_timeout")
    String stall__timeout() default "";
}
