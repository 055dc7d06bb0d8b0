package org.containerj.config.impl;

import java.util.Map;

/**
 * Checks plugin tables against the schema their bundle declares (the Metatype Service,
 * {@link MetaTypeSchemas}). Mentions no metatype type, so that the bundle works without the
 * metatype package.
 */
@FunctionalInterface
interface PluginSchemas {

    /** No schemas at all: every plugin table is passed on unchecked. */
    PluginSchemas NONE = (pid, properties, path, problems) -> { };

    /**
     * Checks the table of {@code pid}, if a schema for it exists.
     *
     * @param pid the plugin's PID
     * @param properties the flattened table
     * @param path where the table is, for messages
     * @param problems where errors and warnings go
     */
    void check(String pid, Map<String, Object> properties, KeyPath path, ProblemList problems);
}
