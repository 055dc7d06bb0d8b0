package org.containerj.api.plugin;

/** A plugin's state as introspection reports it. */
public enum PluginStatus {
    /** Registered and serving. */
    OK,
    /** Not started because something it needs is absent, or it does not apply here. */
    SKIP,
    /** Its start failed; the reason is kept. */
    ERROR
}
