/**
 * containerd's filter language, as clients send it in List requests: selectors such
 * as {@code type==io.containerd.grpc.v1}, {@code labels."a.b"!=c} or {@code name~=^foo},
 * joined by commas (all must match) and given as several strings (any may match).
 */
@Export
@Version("1.0.0")
package org.containerj.filters;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
