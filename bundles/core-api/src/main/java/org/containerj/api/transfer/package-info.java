/**
 * Moving images between registries, the image store and archives: pull (with unpack
 * into a snapshotter), push, import and export of OCI image layout (and Docker) tars.
 * The transfer plugin ({@code io.containerd.transfer.v1} {@code local}) implements
 * {@link org.containerj.api.transfer.ImageTransfer}; the Transfer gRPC service, the
 * shell and the CRI image service all go through it.
 */
@Export
@Version("1.0.0")
package org.containerj.api.transfer;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
