package org.containerj.nativeio.impl;

import java.io.File;
import org.osgi.framework.BundleActivator;
import org.osgi.framework.BundleContext;

/**
 * Remembers this bundle's private data area, where {@link org.containerj.nativeio.Lmdb}
 * unpacks the LMDB library. Loads nothing itself: native code is loaded on first use.
 */
public final class NativeBundle implements BundleActivator {

    private static volatile File dataArea;

    /** The bundle's data area, or null outside OSGi or when the framework has no file system. */
    public static File dataArea() {
        return dataArea;
    }

    @Override
    public void start(BundleContext context) {
        dataArea = context.getDataFile("");
    }

    @Override
    public void stop(BundleContext context) {
        dataArea = null;
    }
}
