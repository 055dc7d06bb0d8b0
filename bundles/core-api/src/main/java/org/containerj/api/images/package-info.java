/** Images: named references to a target descriptor in a namespace, kept in the metadata store. */
@Export
@Version("1.0.0")
package org.containerj.api.images;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
