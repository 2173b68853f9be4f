package io.vigil.perf;

import io.vigil.codecs.sbe.Channel;
import io.vigil.codecs.sbe.DecisionDecoder;
import io.vigil.codecs.sbe.Label;
import io.vigil.codecs.sbe.RejectDecoder;
import io.vigil.engine.EpochClock;
import io.vigil.gateway.ServerLatencies;
import io.vigil.gateway.client.VigilClient;
import io.vigil.scoring.synthetic.SyntheticTransaction;
import io.vigil.scoring.synthetic.SyntheticTransactions;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramLogWriter;
import org.HdrHistogram.SingleWriterRecorder;

import java.io.IOException;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.LockSupport;

/**
 * An open-loop load generator: event {@code k} of the run is <em>intended</em> to be sent at
 * {@code start + k / rate}, whatever happened to earlier events, and its latency is measured from that intended
 * time to the arrival of its answer (Gil Tene's coordinated-omission correction, as in wrk2). A generator or server
 * stall therefore shows up in the corrected latency of every event that should have been sent during it, instead of
 * silently delaying the sends. The uncorrected latency (from the actual send) is recorded beside it.
 *
 * <p>Events are spread round-robin over the connections; one sender thread (the caller's) paces all of them, each
 * connection's receiver thread records the answers into its own {@link SingleWriterRecorder}s, and a logging thread
 * writes one interval histogram per second to an HdrHistogram log. Everything the sender and the receivers touch per
 * event is preallocated: transactions come from a pool generated before the run.
 *
 * <p>Not thread-safe: one {@link #run} at a time.
 */
final class LoadGenerator {
    static final long HIGHEST_NS = TimeUnit.SECONDS.toNanos(60);
    static final String UNCORRECTED_TAG = "uncorrected";
    static final String LAG_TAG = "generator-lag";
    private static final int POOL = 1 << 16;
    private static final int MIX_PATTERN = 1 << 10;
    private static final int SERIES = 64;
    private static final int BURST = 256;
    private static final int SEND_RING = 1 << 21;

    /** What to send and how. */
    static final class Settings {
        String host;
        int port;
        String credential;
        int tenantId = 1;
        long clientIdBase = 1_000;
        long rate;
        long warmupNs;
        long durationNs;
        int connections = 1;
        double metricShare;
        int accounts = 20_000;
        long seed = 42;
        /** How the sender waits for the next intended send time: spin, yield or sleep. */
        String generatorWait = "sleep";
        long drainTimeoutNs = TimeUnit.SECONDS.toNanos(15);
        /**
         * Closed loop when positive: no pacing, each connection keeps up to this many events in flight (sent, not yet
         * answered) for warm-up plus duration, and {@link #rate} is ignored. Latency is then measured from each event's
         * send (corrected and uncorrected are the same: there is no intended schedule to fall behind).
         */
        int window;
    }

    /** What a run measured. Histograms hold nanoseconds. */
    static final class Result {
        final Histogram corrected = new Histogram(HIGHEST_NS, 3);
        final Histogram uncorrected = new Histogram(HIGHEST_NS, 3);
        final Histogram generatorLag = new Histogram(HIGHEST_NS, 3);
        final Histogram[] stages = new Histogram[ServerLatencies.STAGES.length];
        final ThreadAllocation.Delta allocation = new ThreadAllocation.Delta();
        /** CPU of the server's and the generator's threads over the same period as the stages and allocation. */
        final ThreadCpu.Delta cpu = new ThreadCpu.Delta();
        long targetRate;
        long sent;
        long answered;
        long rejected;
        long measuredSent;
        long measuredAnswered;
        double measuredSeconds;

        long missing() {
            return sent - answered;
        }

        /** Answers per second over the measured period. */
        double achievedRate() {
            return measuredSeconds > 0 ? measuredAnswered / measuredSeconds : 0;
        }
    }

    private final SyntheticTransaction[] pool = new SyntheticTransaction[POOL];
    private final boolean[] metricAt = new boolean[MIX_PATTERN];
    private final double[] metricValues = new double[POOL];

    LoadGenerator(final Settings settings) {
        final long meanGapNs = 20_000_000L;
        final SyntheticTransactions generator = new SyntheticTransactions(settings.seed, settings.accounts,
            System.currentTimeMillis() * 1_000_000L, meanGapNs, 0.005);
        for (int i = 0; i < POOL; i++) {
            pool[i] = new SyntheticTransaction();
            generator.next(pool[i]);
        }
        final Random random = new Random(settings.seed);
        for (int i = 0; i < MIX_PATTERN; i++) {
            metricAt[i] = random.nextDouble() < settings.metricShare;
        }
        for (int i = 0; i < POOL; i++) {
            metricValues[i] = 100.0 + 30.0 * Math.sin(2 * Math.PI * i / 288.0) + 3.0 * random.nextGaussian();
        }
    }

    /**
     * Runs one load: connects, logs on, sends at the target rate for warm-up plus duration, waits for the answers,
     * logs out.
     *
     * @param stages the in-process server's stage recorders, or null against a remote server.
     * @param log    where interval histograms go (corrected untagged, uncorrected and generator lag tagged), or null.
     */
    Result run(final Settings s, final ServerLatencies stages, final HistogramLogWriter log)
        throws IOException, InterruptedException {
        final int c = s.connections;
        final Connection[] connections = new Connection[c];
        final Result result = new Result();
        if (s.window > 0) {
            return runPipelined(s, stages, log);
        }
        result.targetRate = s.rate;
        final long warmupEvents = s.rate * s.warmupNs / 1_000_000_000L;
        final long totalEvents = warmupEvents + s.rate * s.durationNs / 1_000_000_000L;
        final SingleWriterRecorder lag = new SingleWriterRecorder(HIGHEST_NS, 3);
        try {
            for (int i = 0; i < c; i++) {
                connections[i] = new Connection(i, c, s.rate, warmupEvents);
                connections[i].open(s);
            }
            final IntervalLogger logger = new IntervalLogger(connections, lag, stages, log, result,
                Thread.currentThread().getId());
            logger.start();
            final long startNs = System.nanoTime();
            for (final Connection connection : connections) {
                connection.startNs = startNs;
            }
            send(s, connections, startNs, totalEvents, warmupEvents, lag, logger);
            result.sent = totalEvents;
            final long drainDeadline = System.nanoTime() + s.drainTimeoutNs;
            while (answered(connections) < totalEvents && System.nanoTime() < drainDeadline) {
                Thread.sleep(1);
            }
            final long endNs = System.nanoTime();
            logger.finish();
            result.answered = answered(connections);
            for (final Connection connection : connections) {
                result.rejected += connection.rejected.get();
            }
            result.measuredSent = totalEvents - warmupEvents;
            result.measuredSeconds = (endNs - logger.measureStartNs) / 1e9;
            result.measuredAnswered = result.answered - logger.answeredAtMeasureStart;
        } finally {
            for (final Connection connection : connections) {
                if (connection != null) {
                    connection.close();
                }
            }
        }
        return result;
    }

    /** {@link #run} in closed loop: see {@link Settings#window}. */
    private Result runPipelined(final Settings s, final ServerLatencies stages, final HistogramLogWriter log)
        throws IOException, InterruptedException {
        final int c = s.connections;
        final Connection[] connections = new Connection[c];
        final Result result = new Result();
        final SingleWriterRecorder lag = new SingleWriterRecorder(HIGHEST_NS, 3);
        try {
            for (int i = 0; i < c; i++) {
                connections[i] = new Connection(i, c, 0, 0);
                connections[i].open(s);
            }
            final IntervalLogger logger = new IntervalLogger(connections, lag, stages, log, result,
                Thread.currentThread().getId());
            logger.start();
            final long startNs = System.nanoTime();
            final long measureNs = startNs + s.warmupNs;
            final long endNs = measureNs + s.durationNs;
            final boolean spin = "spin".equals(s.generatorWait);
            final boolean sleep = "sleep".equals(s.generatorWait);
            final long[] sent = new long[c];
            long k = 0;
            long measuredFrom = -1;
            int idle = 0;
            long now;
            while ((now = System.nanoTime()) < endNs) {
                if (measuredFrom < 0 && now >= measureNs) {
                    measuredFrom = k;
                    for (final Connection connection : connections) {
                        connection.measureFromSequence = connection.nextSequence;
                    }
                    logger.startMeasuring();
                }
                boolean progress = false;
                for (int i = 0; i < c; i++) {
                    final Connection connection = connections[i];
                    final long room = s.window - (sent[i] - connection.answered.get());
                    if (room <= 0) {
                        continue;
                    }
                    for (long j = 0; j < room; j++) {
                        sendEvent(connection, k++, System.nanoTime());
                    }
                    sent[i] += room;
                    connection.client.flush();
                    progress = true;
                }
                if (progress) {
                    idle = 0;
                } else if (spin || ++idle < 100) {
                    Thread.onSpinWait();
                } else if (sleep && idle > 200) {
                    LockSupport.parkNanos(1_000);
                } else {
                    Thread.yield();
                }
            }
            if (measuredFrom < 0) {
                measuredFrom = k;
                logger.startMeasuring();
            }
            result.sent = k;
            final long drainDeadline = System.nanoTime() + s.drainTimeoutNs;
            while (answered(connections) < k && System.nanoTime() < drainDeadline) {
                Thread.sleep(1);
            }
            logger.finish();
            result.answered = answered(connections);
            for (final Connection connection : connections) {
                result.rejected += connection.rejected.get();
            }
            result.measuredSent = k - measuredFrom;
            // the measured period ends when sending stops: the drain afterwards is not throughput
            result.measuredSeconds = (endNs - logger.measureStartNs) / 1e9;
            result.measuredAnswered = Math.min(result.answered, k) - logger.answeredAtMeasureStart;
            result.targetRate = 0;
        } finally {
            for (final Connection connection : connections) {
                if (connection != null) {
                    connection.close();
                }
            }
        }
        return result;
    }

    private static long answered(final Connection[] connections) {
        long n = 0;
        for (final Connection connection : connections) {
            n += connection.answered.get();
        }
        return n;
    }

    private void send(final Settings s, final Connection[] connections, final long startNs, final long totalEvents,
        final long warmupEvents, final SingleWriterRecorder lag, final IntervalLogger logger) throws IOException {
        final int c = connections.length;
        final long rate = s.rate;
        final boolean spin = "spin".equals(s.generatorWait);
        final boolean yield = "yield".equals(s.generatorWait);
        long k = 0;
        while (k < totalEvents) {
            final long now = System.nanoTime();
            final long due = Math.min(totalEvents, (now - startNs) * rate / 1_000_000_000L + 1);
            if (k < due) {
                final long burstEnd = Math.min(due, k + BURST);
                final long firstOfBurst = k;
                while (k < burstEnd) {
                    final Connection connection = connections[(int)(k % c)];
                    final long intendedNs = startNs + k * 1_000_000_000L / rate;
                    final long sendNs = System.nanoTime();
                    if (k >= warmupEvents) {
                        lag.recordValue(Math.min(HIGHEST_NS, Math.max(0, sendNs - intendedNs)));
                    }
                    sendEvent(connection, k, sendNs);
                    k++;
                }
                for (int i = 0; i < c && i < burstEnd - firstOfBurst; i++) {
                    connections[(int)((firstOfBurst + i) % c)].client.flush();
                }
                if (firstOfBurst < warmupEvents && k >= warmupEvents) {
                    logger.startMeasuring();
                }
            } else {
                final long nextNs = startNs + k * 1_000_000_000L / rate;
                long waitNs;
                while ((waitNs = nextNs - System.nanoTime()) > 0) {
                    if (spin) {
                        Thread.onSpinWait();
                    } else if (yield || waitNs < 80_000) {
                        Thread.yield();
                    } else {
                        LockSupport.parkNanos(waitNs - 60_000);
                    }
                }
            }
        }
        if (warmupEvents >= totalEvents) {
            logger.startMeasuring();
        }
    }

    private void sendEvent(final Connection connection, final long k, final long sendNs) throws IOException {
        final long sequence = connection.nextSequence++;
        connection.sendNs.lazySet((int)(sequence & (SEND_RING - 1)), sendNs);
        final int slot = (int)(k & (POOL - 1));
        final long eventTimeNs = EpochClock.nowNs();
        if (metricAt[(int)(k & (MIX_PATTERN - 1))]) {
            connection.client.sendMetric(sequence, eventTimeNs, 1 + (k & (SERIES - 1)), metricValues[slot]);
        } else {
            final SyntheticTransaction tx = pool[slot];
            connection.client.sendTransaction(sequence, eventTimeNs, tx.accountId, tx.merchantId, tx.mcc,
                tx.amountMinor, tx.currency, tx.country, CHANNELS[tx.channel], tx.fraud ? Label.FRAUD : Label.LEGIT);
        }
    }

    private static final Channel[] CHANNELS = {Channel.POS, Channel.ECOMMERCE, Channel.ATM, Channel.MOTO};

    /** One connection: the client, and the recorders its receiver thread writes. */
    static final class Connection implements VigilClient.Listener {
        final SingleWriterRecorder corrected = new SingleWriterRecorder(HIGHEST_NS, 3);
        final SingleWriterRecorder uncorrected = new SingleWriterRecorder(HIGHEST_NS, 3);
        final AtomicLongArray sendNs = new AtomicLongArray(SEND_RING);
        final AtomicLong answered = new AtomicLong();
        final AtomicLong rejected = new AtomicLong();
        private final int index;
        private final int connections;
        private final long rate;
        private final long warmupEvents;
        volatile long startNs;
        /** Closed loop only: answers to this sequence and later are measured (from their send). */
        volatile long measureFromSequence = Long.MAX_VALUE;
        long firstSequence;
        long nextSequence;
        VigilClient client;

        Connection(final int index, final int connections, final long rate, final long warmupEvents) {
            this.index = index;
            this.connections = connections;
            this.rate = rate;
            this.warmupEvents = warmupEvents;
        }

        void open(final Settings s) throws IOException {
            client = VigilClient.connect(s.host, s.port);
            firstSequence = client.logon(s.credential, s.tenantId, s.clientIdBase + index, 0, this) + 1;
            nextSequence = firstSequence;
            client.autoFlush(false);
        }

        private void onAnswer(final long sequence) {
            final long nowNs = System.nanoTime();
            if (rate == 0) {
                if (sequence >= measureFromSequence) {
                    final long fromSend = Math.min(HIGHEST_NS, Math.max(0, nowNs - sendNs.get((int)(sequence & (SEND_RING - 1)))));
                    corrected.recordValue(fromSend);
                    uncorrected.recordValue(fromSend);
                }
                answered.lazySet(answered.get() + 1);
                return;
            }
            final long k = (sequence - firstSequence) * connections + index;
            if (k >= warmupEvents) {
                final long intendedNs = startNs + k * 1_000_000_000L / rate;
                corrected.recordValue(Math.min(HIGHEST_NS, Math.max(0, nowNs - intendedNs)));
                final long sentNs = sendNs.get((int)(sequence & (SEND_RING - 1)));
                uncorrected.recordValue(Math.min(HIGHEST_NS, Math.max(0, nowNs - sentNs)));
            }
            answered.lazySet(answered.get() + 1);
        }

        @Override
        public void onDecision(final DecisionDecoder decision) {
            onAnswer(decision.clientSequence());
        }

        @Override
        public void onReject(final RejectDecoder reject) {
            rejected.lazySet(rejected.get() + 1);
            onAnswer(reject.clientSequence());
        }

        void close() {
            if (client == null) {
                return;
            }
            try {
                if (client.isConnected()) {
                    client.logout();
                    client.awaitClosed(2, TimeUnit.SECONDS);
                }
                client.close();
            } catch (final IOException ex) {
                // the run is over; a close failure changes nothing measured
            } catch (final InterruptedException ex) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * Every second, moves the interval histograms of every recorder into the run's totals and the log. Runs on its
     * own thread, so the sender never does file I/O or allocates for reporting.
     */
    private static final class IntervalLogger extends Thread {
        private final Connection[] connections;
        private final SingleWriterRecorder lag;
        private final ServerLatencies stages;
        private final HistogramLogWriter log;
        private final Result result;
        private final ThreadAllocation allocation = new ThreadAllocation();
        private final ThreadCpu cpu = new ThreadCpu();
        private final long senderId;
        private volatile boolean measuring;
        private volatile boolean finishing;
        volatile long measureStartNs;
        volatile long answeredAtMeasureStart;
        // one spare per recorder: a recorder takes back only the histograms it handed out
        private final Histogram[] corrected;
        private final Histogram[] uncorrected;
        private Histogram lagInterval;
        private final Histogram correctedSum = new Histogram(HIGHEST_NS, 3);
        private final Histogram uncorrectedSum = new Histogram(HIGHEST_NS, 3);
        private long intervalStartMs;

        IntervalLogger(final Connection[] connections, final SingleWriterRecorder lag, final ServerLatencies stages,
            final HistogramLogWriter log, final Result result, final long senderId) {
            super("vigil-bench-log");
            this.senderId = senderId;
            setDaemon(true);
            this.connections = connections;
            this.corrected = new Histogram[connections.length];
            this.uncorrected = new Histogram[connections.length];
            this.lag = lag;
            this.stages = stages;
            this.log = log;
            this.result = result;
        }

        void startMeasuring() {
            measuring = true;
        }

        void finish() throws InterruptedException {
            measuring = true;
            finishing = true;
            interrupt();
            join();
        }

        @Override
        public void run() {
            try {
                while (!measuring) {
                    Thread.sleep(1);
                }
            } catch (final InterruptedException ex) {
                // finishing
            }
            measureStartNs = System.nanoTime();
            answeredAtMeasureStart = answered(connections);
            allocation.start();
            if (stages != null) {
                for (int i = 0; i < ServerLatencies.STAGES.length; i++) {
                    stages.interval(i);
                }
            }
            cpu.start(senderId);
            intervalStartMs = System.currentTimeMillis();
            if (log != null) {
                log.outputStartTime(intervalStartMs);
                log.setBaseTime(intervalStartMs);
            }
            while (!finishing) {
                try {
                    Thread.sleep(1000);
                } catch (final InterruptedException ex) {
                    break;
                }
                interval();
            }
            interval();
            final long measuredAnswers = answered(connections) - answeredAtMeasureStart;
            cpu.stop(measuredAnswers, result.cpu);
            allocation.stop(measuredAnswers, result.allocation);
            if (stages != null) {
                for (int i = 0; i < ServerLatencies.STAGES.length; i++) {
                    result.stages[i] = stages.interval(i);
                }
            }
        }

        private void interval() {
            final long endMs = System.currentTimeMillis();
            correctedSum.reset();
            uncorrectedSum.reset();
            for (int i = 0; i < connections.length; i++) {
                corrected[i] = connections[i].corrected.getIntervalHistogram(corrected[i]);
                uncorrected[i] = connections[i].uncorrected.getIntervalHistogram(uncorrected[i]);
                correctedSum.add(corrected[i]);
                uncorrectedSum.add(uncorrected[i]);
            }
            result.corrected.add(correctedSum);
            result.uncorrected.add(uncorrectedSum);
            if (log != null) {
                correctedSum.setStartTimeStamp(intervalStartMs);
                correctedSum.setEndTimeStamp(endMs);
                log.outputIntervalHistogram(correctedSum);
                uncorrectedSum.setStartTimeStamp(intervalStartMs);
                uncorrectedSum.setEndTimeStamp(endMs);
                uncorrectedSum.setTag(UNCORRECTED_TAG);
                log.outputIntervalHistogram(uncorrectedSum);
            }
            lagInterval = lag.getIntervalHistogram(lagInterval);
            result.generatorLag.add(lagInterval);
            if (log != null) {
                lagInterval.setStartTimeStamp(intervalStartMs);
                lagInterval.setEndTimeStamp(endMs);
                lagInterval.setTag(LAG_TAG);
                log.outputIntervalHistogram(lagInterval);
                lagInterval.setTag(null);
            }
            intervalStartMs = endMs;
        }
    }
}
