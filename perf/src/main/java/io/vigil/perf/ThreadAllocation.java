package io.vigil.perf;

import java.lang.management.ManagementFactory;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Bytes allocated by the server's hot threads (pipeline, tailer, gateway network thread) and the load generator's
 * receiver threads between {@link #start} and {@link #stop}, from HotSpot's per-thread allocation counters
 * ({@link com.sun.management.ThreadMXBean#getThreadAllocatedBytes(long)}).
 *
 * <p>Not thread-safe; allocates (control plane only). The counters are exact for TLAB and outside-TLAB allocation of
 * the thread itself; they do not see allocation by other threads on its behalf.
 */
final class ThreadAllocation {
    /** Thread name prefixes, grouped under the label printed in reports. */
    static final String[][] GROUPS = {
        {"pipeline", "vigil-pipeline"},
        {"tailer", "vigil-tailer"},
        {"gateway-io", "vigil-gateway-io"},
        {"client-receivers", "vigil-client-receiver"},
    };

    /** The figures of one measured period. */
    static final class Delta {
        final Map<String, Long> bytesByGroup = new LinkedHashMap<>();
        long events;
        boolean supported = true;

        double bytesPerEvent(final String group) {
            final Long bytes = bytesByGroup.get(group);
            return bytes == null || events == 0 ? Double.NaN : (double)bytes / events;
        }

        /** The server's hot threads together (pipeline, tailer, gateway network thread), per event. */
        double serverBytesPerEvent() {
            long sum = 0;
            for (int i = 0; i < 3; i++) {
                final Long bytes = bytesByGroup.get(GROUPS[i][0]);
                sum += bytes == null ? 0 : bytes;
            }
            return events == 0 ? Double.NaN : (double)sum / events;
        }
    }

    private final com.sun.management.ThreadMXBean threads =
        (com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean();
    private final Map<Long, Long> startBytes = new LinkedHashMap<>();

    void start() {
        startBytes.clear();
        if (!threads.isThreadAllocatedMemorySupported()) {
            return;
        }
        threads.setThreadAllocatedMemoryEnabled(true);
        for (final Thread thread : Thread.getAllStackTraces().keySet()) {
            if (group(thread.getName()) != null) {
                startBytes.put(thread.getId(), threads.getThreadAllocatedBytes(thread.getId()));
            }
        }
    }

    /** Fills {@code into} with the bytes each group allocated since {@link #start}, over {@code events} events. */
    void stop(final long events, final Delta into) {
        into.events = events;
        into.supported = threads.isThreadAllocatedMemorySupported();
        for (final String[] g : GROUPS) {
            into.bytesByGroup.put(g[0], 0L);
        }
        for (final Thread thread : Thread.getAllStackTraces().keySet()) {
            final String group = group(thread.getName());
            final Long before = startBytes.get(thread.getId());
            if (group != null && before != null) {
                final long after = threads.getThreadAllocatedBytes(thread.getId());
                if (after >= 0) {
                    into.bytesByGroup.merge(group, after - before, Long::sum);
                }
            }
        }
    }

    static String group(final String threadName) {
        for (final String[] g : GROUPS) {
            if (threadName.startsWith(g[1])) {
                return g[0];
            }
        }
        return null;
    }
}
