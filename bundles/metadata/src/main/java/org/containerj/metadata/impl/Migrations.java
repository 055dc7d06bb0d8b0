package org.containerj.metadata.impl;

import java.util.List;

/** The schema history of the metadata store, oldest first. Append; never edit a released step. */
public final class Migrations {

    /**
     * Version 1: the {@code v1/<namespace>/<bucket>/...} layout of
     * {@link org.containerj.api.metadata.MetadataLayout}. A fresh store has nothing to convert.
     */
    public static final Migration V1_LAYOUT = new Migration(1, "v1/<namespace>/<bucket> layout", tx -> { });

    public static final List<Migration> ALL = List.of(V1_LAYOUT);

    private Migrations() {
    }

    /** Checks that {@code migrations} are numbered 1, 2, 3, ... in order. */
    static void check(List<Migration> migrations) {
        for (int i = 0; i < migrations.size(); i++) {
            if (migrations.get(i).version() != i + 1) {
                throw new IllegalArgumentException("migrations must be numbered 1, 2, 3, ... in order; "
                        + "position " + (i + 1) + " holds " + migrations.get(i));
            }
        }
    }
}
