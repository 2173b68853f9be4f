package io.vigil.engine;

import net.openhft.affinity.AffinityLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Optional CPU pinning with OpenHFT affinity, degrading to "not pinned" with a log line when a core cannot be
 * reserved (too few cores, no permission, no native support). Call from the thread to pin.
 */
public final class Affinity {
    private static final Logger LOG = LoggerFactory.getLogger(Affinity.class);

    private Affinity() {
    }

    /**
     * Pins the calling thread to {@code cpu}, or does nothing when {@code cpu < 0}.
     *
     * @return the lock to release when the thread ends, or null when not pinned.
     */
    public static AffinityLock pin(final int cpu) {
        if (cpu < 0) {
            return null;
        }
        try {
            final AffinityLock lock = AffinityLock.acquireLock(cpu);
            if (lock.isAllocated() && lock.cpuId() == cpu) {
                LOG.info("thread {} pinned to cpu {}", Thread.currentThread().getName(), cpu);
                return lock;
            }
            LOG.warn("thread {} could not reserve cpu {}; running unpinned", Thread.currentThread().getName(), cpu);
            lock.release();
        } catch (final Throwable ex) {
            LOG.warn("thread {} could not be pinned to cpu {} ({}); running unpinned",
                Thread.currentThread().getName(), cpu, ex.toString());
        }
        return null;
    }

    /** Parses {@link VigilConfig#CPU_AFFINITY}: the cpu for the thread at {@code position}, or -1. */
    public static int cpuFor(final String list, final int position) {
        if (list == null || list.isBlank()) {
            return -1;
        }
        final String[] cpus = list.split(",");
        if (position >= cpus.length) {
            return -1;
        }
        try {
            return Integer.parseInt(cpus[position].trim());
        } catch (final NumberFormatException ex) {
            throw new IllegalArgumentException("configuration key " + VigilConfig.CPU_AFFINITY.name() +
                " = '" + list + "': not a comma-separated list of cpu numbers", ex);
        }
    }

    /** Releases a lock returned by {@link #pin}; null is fine. */
    public static void release(final AffinityLock lock) {
        if (lock != null) {
            lock.release();
        }
    }
}
