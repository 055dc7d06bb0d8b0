/** Containers: the metadata of a container (spec, runtime, snapshot, labels) kept in a namespace. */
@Export
@Version("1.0.0")
package org.containerj.api.containers;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
