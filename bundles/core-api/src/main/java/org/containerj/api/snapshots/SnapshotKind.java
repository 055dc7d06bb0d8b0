package org.containerj.api.snapshots;

/** containerd's snapshot kinds; the numbers are the wire values of {@code snapshots.v1.Kind}. */
public enum SnapshotKind {
    UNKNOWN(0), VIEW(1), ACTIVE(2), COMMITTED(3);

    private final int wire;

    SnapshotKind(int wire) {
        this.wire = wire;
    }

    public int wire() {
        return wire;
    }
}
