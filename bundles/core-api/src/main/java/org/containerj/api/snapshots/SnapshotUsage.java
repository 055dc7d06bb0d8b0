package org.containerj.api.snapshots;

/** Disk used by a snapshot's own layer: inodes and bytes. */
public record SnapshotUsage(long inodes, long size) {
}
