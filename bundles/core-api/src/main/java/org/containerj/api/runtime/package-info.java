/** Runtimes: tasks (a container's init process) and their exec'd processes. */
@Export
@Version("1.1.0")
package org.containerj.api.runtime;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
