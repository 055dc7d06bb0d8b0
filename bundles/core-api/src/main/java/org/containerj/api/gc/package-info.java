/**
 * Garbage collection of the metadata store, as containerd's: everything reachable from
 * the roots (images, containers, unexpired leases, objects labelled
 * {@code containerd.io/gc.root}, ingests not yet expired) through references stays; the
 * rest goes. Each kind of resource is swept by a {@link org.containerj.api.gc.ResourceCollector}
 * whiteboard service, so a snapshots bundle adds the collection of its snapshots.
 */
@Export
@Version("1.0.0")
package org.containerj.api.gc;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
