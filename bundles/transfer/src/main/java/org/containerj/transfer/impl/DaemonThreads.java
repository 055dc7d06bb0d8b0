package org.containerj.transfer.impl;

import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Threads for the transfer's pools: daemon threads that do not inherit the creating
 * thread's inheritable thread-locals. A pool grows from whatever thread submits to it,
 * and a thread made while a shell command runs would otherwise keep Gogo's per-session
 * standard output, sending the daemon's log lines to a shell client, long gone later.
 */
public final class DaemonThreads {
    private DaemonThreads() {
    }

    public static ThreadFactory named(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(null, r, prefix + "-" + n.incrementAndGet(), 0, false);
            t.setDaemon(true);
            return t;
        };
    }
}
