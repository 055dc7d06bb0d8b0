/** The content-addressed store: blobs named by digest, resumable ingests, labels. */
@Export
@Version("1.2.0")
package org.containerj.api.content;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
