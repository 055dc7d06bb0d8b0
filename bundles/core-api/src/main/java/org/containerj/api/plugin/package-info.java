/** The plugin contract: the service properties that name a plugin the way containerd does, and the plugin types. */
@Export
@Version("1.0.0")
package org.containerj.api.plugin;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
