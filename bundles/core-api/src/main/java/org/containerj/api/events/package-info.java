/** Events published by plugins, delivered to subscribers through one path. */
@Export
@Version("1.0.0")
package org.containerj.api.events;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
