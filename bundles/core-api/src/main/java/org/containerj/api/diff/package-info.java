/** Differs: apply a layer onto mounts, and compare two mounts into a layer. */
@Export
@Version("2.1.0")
package org.containerj.api.diff;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
