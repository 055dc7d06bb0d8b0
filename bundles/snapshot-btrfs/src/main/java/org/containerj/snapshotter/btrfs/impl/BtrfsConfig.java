package org.containerj.snapshotter.btrfs.impl;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/** {@code [plugins."io.containerd.snapshotter.v1.btrfs"]} of config.toml. */
@ObjectClassDefinition(id = BtrfsPlugin.PID, name = "containerj btrfs snapshotter")
@interface BtrfsConfig {
    @AttributeDefinition(required = false,
            description = "directory of the snapshotter, on btrfs; default <root>/io.containerd.snapshotter.v1.btrfs")
    String root__path() default "";
}
