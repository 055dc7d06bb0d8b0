package org.containerj.metadata.impl;

import java.util.Objects;
import java.util.function.Consumer;

import org.containerj.api.metadata.WriteTransaction;

/**
 * One step of the schema: brings the stored data from {@code version - 1} to
 * {@code version}. Every pending step runs in the single write transaction that opens
 * the store, so either all of them are applied with the new version number or none is.
 */
public record Migration(int version, String description, Consumer<WriteTransaction> step) {

    public Migration {
        if (version < 1) {
            throw new IllegalArgumentException("migration versions start at 1: " + version);
        }
        Objects.requireNonNull(description, "description");
        Objects.requireNonNull(step, "step");
    }

    @Override
    public String toString() {
        return "migration " + version + " (" + description + ")";
    }
}
