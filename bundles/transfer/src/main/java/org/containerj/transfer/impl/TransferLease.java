package org.containerj.transfer.impl;

import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Map;

import org.containerj.api.errdefs.ContainerjException;
import org.containerj.api.gc.GarbageCollector;
import org.containerj.api.leases.Lease;
import org.containerj.api.leases.LeaseManager;
import org.tinylog.Logger;

/**
 * The lease a transfer holds what it writes under: the caller's, or a temporary one that
 * expires after a day (so that what a daemon killed mid-transfer wrote stays for a retry
 * to resume, then goes) and is deleted when the transfer ends, asking for a collection:
 * what the transfer's result (an image) does not reference is then garbage.
 */
final class TransferLease implements AutoCloseable {
    private static final SecureRandom RANDOM = new SecureRandom();

    private final LeaseManager leases;
    private final GarbageCollector gc;
    private final String namespace;
    private final String id;
    private final boolean temporary;

    private TransferLease(LeaseManager leases, GarbageCollector gc, String namespace, String id, boolean temporary) {
        this.leases = leases;
        this.gc = gc;
        this.namespace = namespace;
        this.id = id;
        this.temporary = temporary;
    }

    static TransferLease acquire(LeaseManager leases, GarbageCollector gc, String namespace, String given,
            Duration expiry) {
        if (given != null && !given.isEmpty()) {
            return new TransferLease(leases, gc, namespace, given, false);
        }
        byte[] b = new byte[6];
        RANDOM.nextBytes(b);
        String id = "transfer-" + System.currentTimeMillis() + "-" + HexFormat.of().formatHex(b);
        Lease lease = leases.create(namespace, id,
                Map.of(Lease.EXPIRE_LABEL, Instant.now().plus(expiry).toString()));
        return new TransferLease(leases, gc, namespace, lease.id(), true);
    }

    String id() {
        return id;
    }

    @Override
    public void close() {
        if (!temporary) {
            return;
        }
        boolean interrupted = Thread.interrupted();
        try {
            leases.delete(namespace, id);
            if (gc != null) {
                gc.schedule();
            }
        } catch (ContainerjException e) {
            Logger.tag("transfer").warn("cannot delete the transfer lease {} of {}: {} (it expires by itself)", id,
                    namespace, e.getMessage());
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
