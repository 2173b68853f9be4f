package io.vigil.perf;

import io.vigil.engine.Engine;
import io.vigil.gateway.VigilServer;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * CPU time of the server's threads (pipeline, tailer, gateway network thread, checkpoint writer, watchdog), of the
 * load generator's (sender, receivers, heartbeats, interval logger) and of the whole process between {@link #start}
 * and {@link #stop}, from the JVM's per-thread CPU clocks ({@link java.lang.management.ThreadMXBean#getThreadCpuTime})
 * and {@link com.sun.management.OperatingSystemMXBean#getProcessCpuTime()}.
 *
 * <p>Not thread-safe; allocates (control plane only). A thread that starts inside the period counts from zero; one
 * that ends inside it is lost (none of the counted ones do in a bench run). What no named thread does (JIT and GC
 * threads, Chronicle's background threads) is the process's total minus both groups.
 */
final class ThreadCpu {
    static final String PIPELINE = "pipeline";
    static final String TAILER = "tailer";
    static final String GATEWAY_IO = "gateway-io";
    static final String CHECKPOINT = "checkpoint";
    static final String WATCHDOG = "watchdog";
    static final String SENDER = "sender";
    /** The server's threads: label, thread name prefix. */
    static final String[][] SERVER = {
        {PIPELINE, Engine.PIPELINE_THREAD},
        {TAILER, Engine.TAILER_THREAD},
        {GATEWAY_IO, VigilServer.IO_THREAD},
        {CHECKPOINT, Engine.CHECKPOINT_THREAD},
        {WATCHDOG, "vigil-watchdog"},
    };
    /** The load generator's threads besides the sender (the thread that runs the load): label, name prefix. */
    static final String[][] GENERATOR = {
        {"receivers", "vigil-client-receiver"},
        {"heartbeats", "vigil-client-heartbeat"},
        {"interval logger", "vigil-bench-log"},
    };

    /** The figures of one measured period, nanoseconds of CPU. */
    static final class Delta {
        final Map<String, Long> serverNs = new LinkedHashMap<>();
        final Map<String, Long> generatorNs = new LinkedHashMap<>();
        long processNs = -1;
        long wallNs;
        long events;
        boolean supported = true;

        long server() {
            return sum(serverNs);
        }

        long generator() {
            return sum(generatorNs);
        }

        /** The process's CPU that no counted thread accounts for (JIT, GC, other threads); -1 when unknown. */
        long unattributed() {
            return processNs < 0 ? -1 : Math.max(0, processNs - server() - generator());
        }

        private static long sum(final Map<String, Long> ns) {
            long sum = 0;
            for (final long v : ns.values()) {
                sum += v;
            }
            return sum;
        }
    }

    private final com.sun.management.ThreadMXBean threads =
        (com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean();
    private final com.sun.management.OperatingSystemMXBean os =
        (com.sun.management.OperatingSystemMXBean)ManagementFactory.getOperatingSystemMXBean();
    private final Map<Long, Long> startNs = new HashMap<>();
    private long senderId = -1;
    private long processStartNs;
    private long wallStartNs;

    /** Samples every thread's CPU clock; {@code senderId} is the generator's sending thread. */
    void start(final long senderId) {
        this.senderId = senderId;
        startNs.clear();
        wallStartNs = System.nanoTime();
        processStartNs = os.getProcessCpuTime();
        if (!threads.isThreadCpuTimeSupported()) {
            return;
        }
        if (!threads.isThreadCpuTimeEnabled()) {
            threads.setThreadCpuTimeEnabled(true);
        }
        for (final long id : threads.getAllThreadIds()) {
            startNs.put(id, threads.getThreadCpuTime(id));
        }
    }

    /** Fills {@code into} with the CPU each group used since {@link #start}, over {@code events} events. */
    void stop(final long events, final Delta into) {
        into.events = events;
        into.wallNs = System.nanoTime() - wallStartNs;
        final long processNow = os.getProcessCpuTime();
        into.processNs = processNow < 0 || processStartNs < 0 ? -1 : processNow - processStartNs;
        into.supported = threads.isThreadCpuTimeSupported() && threads.isThreadCpuTimeEnabled();
        for (final String[] g : SERVER) {
            into.serverNs.put(g[0], 0L);
        }
        into.generatorNs.put(SENDER, 0L);
        for (final String[] g : GENERATOR) {
            into.generatorNs.put(g[0], 0L);
        }
        if (!into.supported) {
            return;
        }
        final long[] ids = threads.getAllThreadIds();
        final ThreadInfo[] infos = threads.getThreadInfo(ids, 0);
        for (int i = 0; i < ids.length; i++) {
            if (infos[i] == null) {
                continue;
            }
            final long now = threads.getThreadCpuTime(ids[i]);
            if (now < 0) {
                continue;
            }
            final long used = now - startNs.getOrDefault(ids[i], 0L);
            final String name = infos[i].getThreadName();
            if (ids[i] == senderId) {
                into.generatorNs.merge(SENDER, used, Long::sum);
                continue;
            }
            final String server = label(SERVER, name);
            if (server != null) {
                into.serverNs.merge(server, used, Long::sum);
                continue;
            }
            final String generator = label(GENERATOR, name);
            if (generator != null) {
                into.generatorNs.merge(generator, used, Long::sum);
            }
        }
    }

    static String label(final String[][] groups, final String threadName) {
        for (final String[] g : groups) {
            if (threadName.startsWith(g[1])) {
                return g[0];
            }
        }
        return null;
    }
}
