package io.vigil.gateway;

import java.net.InetAddress;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;

/**
 * Counts failed Logons per remote address; an address with too many failures within the window is refused until
 * the window has passed since its last failure.
 *
 * <p>Not thread-safe: owned by the gateway's event loop. Allocates per address that failed (control plane only).
 */
final class LogonGuard {
    private static final int MAX_TRACKED = 100_000;

    private final int maxFailures;
    private final long windowNs;
    private final Map<InetAddress, long[]> failures = new HashMap<>();

    LogonGuard(final int maxFailures, final long windowNs) {
        this.maxFailures = maxFailures;
        this.windowNs = windowNs;
    }

    /** Records a failed Logon from {@code address} at {@code nowNs}. */
    void failed(final InetAddress address, final long nowNs) {
        if (address == null) {
            return;
        }
        if (failures.size() >= MAX_TRACKED) {
            expire(nowNs);
        }
        final long[] entry = failures.computeIfAbsent(address, a -> new long[2]);
        if (nowNs - entry[1] > windowNs) {
            entry[0] = 0;
        }
        entry[0]++;
        entry[1] = nowNs;
    }

    /** True while {@code address} has {@code maxFailures} or more failures, the last within the window. */
    boolean refused(final InetAddress address, final long nowNs) {
        if (address == null) {
            return false;
        }
        final long[] entry = failures.get(address);
        if (entry == null) {
            return false;
        }
        if (nowNs - entry[1] > windowNs) {
            failures.remove(address);
            return false;
        }
        return entry[0] >= maxFailures;
    }

    private void expire(final long nowNs) {
        for (final Iterator<long[]> it = failures.values().iterator(); it.hasNext();) {
            if (nowNs - it.next()[1] > windowNs) {
                it.remove();
            }
        }
    }
}
