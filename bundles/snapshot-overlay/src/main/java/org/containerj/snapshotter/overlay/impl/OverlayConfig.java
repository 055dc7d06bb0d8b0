package org.containerj.snapshotter.overlay.impl;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * {@code [plugins."io.containerd.snapshotter.v1.overlayfs"]} of config.toml. Method names
 * use DS's mapping: a double underscore stands for containerd's single underscore.
 */
@ObjectClassDefinition(id = OverlayPlugin.PID, name = "containerj overlayfs snapshotter")
@interface OverlayConfig {
    @AttributeDefinition(required = false,
            description = "directory of the snapshotter; default <root>/io.containerd.snapshotter.v1.overlayfs")
    String root__path() default "";

    @AttributeDefinition(required = false,
            description = "add the label containerd.io/snapshot/overlay.upperdir naming each snapshot's upper directory")
    boolean upperdir__label() default false;

    @AttributeDefinition(required = false,
            description = "delete a removed snapshot's directory at once rather than on the next cleanup")
    boolean sync__remove() default false;

    @AttributeDefinition(required = false, description = "not supported: containerj does not remap ids")
    boolean slow__chown() default false;

    @AttributeDefinition(required = false, description = "extra options of overlay mounts (not of bind mounts)")
    String[] mount__options() default {};
}
