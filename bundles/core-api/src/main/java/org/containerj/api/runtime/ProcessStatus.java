package org.containerj.api.runtime;

/** A process's state; numbers are the wire values of containerd's task Status. */
public enum ProcessStatus {
    UNKNOWN(0), CREATED(1), RUNNING(2), STOPPED(3), PAUSED(4), PAUSING(5);

    private final int wire;

    ProcessStatus(int wire) {
        this.wire = wire;
    }

    public int wire() {
        return wire;
    }
}
