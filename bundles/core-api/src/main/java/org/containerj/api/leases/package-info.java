/** Leases: client-held references that keep content and snapshots from garbage collection. */
@Export
@Version("1.0.0")
package org.containerj.api.leases;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
