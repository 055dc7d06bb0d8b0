/** Validation of the identifiers clients choose (namespaces, container ids, snapshot keys). */
@Export
@Version("1.1.0")
package org.containerj.api.identifiers;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
