package org.containerj.server.impl;

import org.osgi.framework.Bundle;

/** The daemon's version and source revision, stamped into this bundle's manifest at build. */
final class DaemonVersion {
    private DaemonVersion() {
    }

    static String version(Bundle bundle) {
        String v = bundle.getHeaders().get("Containerj-Version");
        return "v" + (v == null || v.isEmpty() ? bundle.getVersion().toString() : v);
    }

    static String revision(Bundle bundle) {
        String r = bundle.getHeaders().get("Containerj-Revision");
        return r == null || r.isEmpty() ? "unknown" : r;
    }
}
