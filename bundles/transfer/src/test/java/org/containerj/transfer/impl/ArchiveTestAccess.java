package org.containerj.transfer.impl;

import java.util.Map;

/** The tar reader of the archive tests, for the tests of other packages. */
public final class ArchiveTestAccess {
    private ArchiveTestAccess() {
    }

    public static Map<String, byte[]> entries(byte[] tar) {
        return ArchiveTest.entries(tar);
    }
}
