/**
 * containerj's metadata store: an ordered, transactional key-value store that plays the
 * part of containerd's bbolt database (plugin {@code io.containerd.metadata.v1.bolt}).
 *
 * <p>Keys are {@link org.containerj.api.metadata.Key paths of segments}; values are
 * opaque bytes (callers choose protobuf or their own encoding). Work runs inside a
 * transaction: {@link org.containerj.api.metadata.MetadataStore#view} for reading,
 * {@link org.containerj.api.metadata.MetadataStore#update} for an atomic, durable change
 * that either commits whole or leaves nothing behind. Objects are kept per namespace
 * under {@code v1/<namespace>/<bucket>/...}, see {@link org.containerj.api.metadata.MetadataLayout}.
 */
@Export
@Version("1.0.0")
package org.containerj.api.metadata;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
