package org.containerj.snapshotter.nativecopy.impl;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/** {@code [plugins."io.containerd.snapshotter.v1.native"]} of config.toml. */
@ObjectClassDefinition(id = NativePlugin.PID, name = "containerj native snapshotter")
@interface NativeConfig {
    @AttributeDefinition(required = false,
            description = "directory of the snapshotter; default <root>/io.containerd.snapshotter.v1.native")
    String root__path() default "";
}
