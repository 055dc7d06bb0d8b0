package org.containerj.examples.snapshotter;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/** {@code [plugins."io.containerd.snapshotter.v1.example"]} of config.toml. */
@ObjectClassDefinition(id = ExamplePlugin.PID, name = "containerj example snapshotter")
@interface ExampleConfig {
    @AttributeDefinition(required = false,
            description = "directory of the snapshotter; default <root>/io.containerd.snapshotter.v1.example")
    String root__path() default "";

    @AttributeDefinition(required = false, description = "seconds one copy of a parent may take")
    long copy__timeout() default 300;
}
