package org.containerj.runtime.runc.impl;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/** {@code [plugins."io.containerd.runtime.v2.task"]} of config.toml. */
@ObjectClassDefinition(id = RuncPlugin.PID, name = "containerj runc runtime")
@interface RuncConfig {
    @AttributeDefinition(required = false, description = "the OCI runtime binary")
    String runc__binary() default "/usr/sbin/runc";

    @AttributeDefinition(required = false, description = "the per-container monitor binary")
    String conmon__binary() default "/usr/bin/conmon";

    @AttributeDefinition(required = false, description = "seconds a runc command (start, kill, state, ...) may take")
    int command__timeout() default 30;

    @AttributeDefinition(required = false, description = "seconds creating a container (runc create under conmon) may take")
    int create__timeout() default 60;
}
