package io.vigil.gateway.synthetic;

import io.vigil.codecs.sbe.Channel;
import io.vigil.codecs.sbe.DecisionDecoder;
import io.vigil.codecs.sbe.Label;
import io.vigil.codecs.sbe.RejectDecoder;
import io.vigil.engine.EpochClock;
import io.vigil.engine.counters.CounterType;
import io.vigil.engine.counters.VigilCounters;
import io.vigil.gateway.client.VigilClient;
import org.agrona.concurrent.status.AtomicCounter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The built-in synthetic prober: its own thread ({@value #THREAD}) connects to the server's own TCP gateway over
 * loopback with the Java client, logs on as the reserved synthetic identity ({@link #TENANT}, {@link #CLIENT}) with the
 * server's internal credential (random per process, {@link #newCredential()}), and every {@code vigil.synthetic.interval}
 * sends one synthetic transaction and waits for its Decision: the real path, end to end (decode, journal, tailer,
 * every pipeline stage, output journal, egress, socket).
 *
 * <p>A probe succeeds when its Decision arrives within {@code vigil.synthetic.timeout}; it fails on a Reject, on no
 * answer in time, or when the prober cannot connect or log on (after a failure it connects afresh for the next probe).
 * It counts into {@link CounterType#SYNTHETIC_PROBES}, {@link CounterType#SYNTHETIC_FAILURES},
 * {@link CounterType#SYNTHETIC_LATENCY} (round trip of the last success, ns) and
 * {@link CounterType#SYNTHETIC_LAST_SUCCESS} (epoch ms), which the synthetic SLO and {@code vigil_synthetic_*} read.
 *
 * <p>The gateway journals the session's events with {@code RecordHeader.SOURCE_SYNTHETIC}, which only this session
 * gets; the pipeline leaves them out of the event and decision counts, live and in replays. Tenant {@link #TENANT} keeps
 * its state (sequences, features) apart from every client's.
 *
 * <p>Thread-safe: start and close from one control thread; the probes run on the prober's thread. Allocates per probe
 * (control plane: one probe per interval).
 */
public final class SyntheticProber implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SyntheticProber.class);
    /** Name of the prober thread. */
    public static final String THREAD = "vigil-synthetic";
    /** The reserved synthetic tenant, 4294967295 as the unsigned 32-bit id it is on the wire. */
    public static final int TENANT = -1;
    /** The prober's client id under {@link #TENANT}. */
    public static final long CLIENT = 1;
    /** The account of every synthetic transaction (of tenant {@link #TENANT}). */
    public static final long ACCOUNT = 1;

    private final SyntheticContext context;
    private final String host;
    private final int port;
    private final String credential;
    private final AtomicCounter probes;
    private final AtomicCounter failures;
    private final AtomicCounter latency;
    private final AtomicCounter lastSuccess;
    private final Thread thread;
    private volatile boolean running = true;
    private VigilClient client;
    private long sequence;
    private volatile CompletableFuture<Object> pending;
    private volatile long pendingSequence = -1;
    private volatile String lastFailure;

    /**
     * @param host       where the gateway listens (a wildcard address is probed on loopback).
     * @param credential the internal credential the gateway's authenticator was given.
     */
    public SyntheticProber(final SyntheticContext context, final String host, final int port, final String credential,
        final VigilCounters counters) {
        this.context = context.conclude();
        this.host = wildcard(host) ? "127.0.0.1" : host;
        this.port = port;
        this.credential = credential;
        this.probes = counters.counter(CounterType.SYNTHETIC_PROBES);
        this.failures = counters.counter(CounterType.SYNTHETIC_FAILURES);
        this.latency = counters.counter(CounterType.SYNTHETIC_LATENCY);
        this.lastSuccess = counters.counter(CounterType.SYNTHETIC_LAST_SUCCESS);
        this.thread = new Thread(this::run, THREAD);
        this.thread.setDaemon(true);
    }

    private static boolean wildcard(final String host) {
        return host.isEmpty() || "0.0.0.0".equals(host) || "::".equals(host) || "0:0:0:0:0:0:0:0".equals(host);
    }

    /** A fresh internal credential: 32 US-ASCII characters (base64url of 24 random bytes). */
    public static String newCredential() {
        final byte[] random = new byte[24];
        new SecureRandom().nextBytes(random);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(random);
    }

    /** Starts probing: the first probe after one interval. */
    public SyntheticProber start() {
        thread.start();
        LOG.info("synthetic prober: one transaction every {} ms to {}:{} as tenant {} client {}",
            TimeUnit.NANOSECONDS.toMillis(context.intervalNs()), host, port, Integer.toUnsignedString(TENANT), CLIENT);
        return this;
    }

    private void run() {
        long next = System.nanoTime() + context.intervalNs();
        while (running) {
            final long waitNs = next - System.nanoTime();
            if (waitNs > 0) {
                try {
                    TimeUnit.NANOSECONDS.sleep(waitNs);
                } catch (final InterruptedException ex) {
                    break;
                }
                continue;
            }
            if (!running) {
                break;
            }
            try {
                probe();
            } catch (final InterruptedException ex) {
                break;
            } catch (final RuntimeException ex) {
                fail("unexpected " + ex);
                LOG.warn("synthetic probe failed unexpectedly", ex);
            }
            next = Math.max(next + context.intervalNs(), System.nanoTime());
        }
        disconnect();
    }

    /**
     * One probe; the prober thread. A probe is counted once decided, its failure first: a reader that loads the
     * failures before the probes never sees more failures than probes.
     */
    private void probe() throws InterruptedException {
        final CompletableFuture<Object> answer = new CompletableFuture<>();
        final long sentNs;
        try {
            if (client == null || !client.isConnected()) {
                connect();
            }
            final long seq = ++sequence;
            pending = answer;
            pendingSequence = seq;
            sentNs = System.nanoTime();
            client.sendTransaction(seq, EpochClock.nowNs(), ACCOUNT, 1, 5999, 100, "EUR", "DE", Channel.ECOMMERCE,
                Label.UNKNOWN);
        } catch (final IOException ex) {
            fail("cannot reach the gateway: " + ex.getMessage());
            disconnect();
            return;
        }
        final Object outcome;
        try {
            outcome = answer.get(context.timeoutNs(), TimeUnit.NANOSECONDS);
        } catch (final TimeoutException ex) {
            fail("no answer within " + TimeUnit.NANOSECONDS.toMillis(context.timeoutNs()) + " ms");
            disconnect();
            return;
        } catch (final ExecutionException ex) {
            fail("connection lost: " + ex.getCause());
            disconnect();
            return;
        } finally {
            pendingSequence = -1;
        }
        if (outcome instanceof Long) {
            latency.setRelease(Math.max(1, (Long)outcome - sentNs));
            lastSuccess.setRelease(System.currentTimeMillis());
            probes.incrementRelease();
            if (lastFailure != null) {
                LOG.info("synthetic probes succeed again (the last failure: {})", lastFailure);
                lastFailure = null;
            }
        } else {
            fail("rejected " + outcome);
        }
    }

    private void connect() throws IOException {
        disconnect();
        final VigilClient connected = VigilClient.connect(host, port);
        try {
            final long last = connected.logon(credential, TENANT, CLIENT, 0, new VigilClient.Listener() {
                @Override
                public void onDecision(final DecisionDecoder decision) {
                    answered(decision.clientSequence(), System.nanoTime());
                }

                @Override
                public void onReject(final RejectDecoder reject) {
                    answered(reject.clientSequence(), reject.reason());
                }

                @Override
                public void onClosed(final Throwable cause) {
                    final CompletableFuture<Object> waiting = pending;
                    if (waiting != null) {
                        waiting.completeExceptionally(cause != null ? cause : new IOException("closed"));
                    }
                }
            });
            sequence = Math.max(sequence, last);
        } catch (final IOException ex) {
            connected.close();
            throw ex;
        }
        client = connected;
    }

    /** On the client's receiver thread. */
    private void answered(final long clientSequence, final Object outcome) {
        final CompletableFuture<Object> waiting = pending;
        if (waiting != null && clientSequence == pendingSequence) {
            waiting.complete(outcome);
        }
    }

    /** Counts a failed probe (then the probe). */
    private void fail(final String why) {
        failures.incrementRelease();
        probes.incrementRelease();
        if (lastFailure == null) {
            LOG.warn("synthetic probe failed: {} (logged once until a probe succeeds)", why);
        }
        lastFailure = why;
    }

    private void disconnect() {
        final VigilClient open = client;
        client = null;
        if (open != null) {
            try {
                open.close();
            } catch (final IOException ignored) {
                // going anyway
            }
        }
    }

    /** Why the last probe failed, or null when it succeeded (or none ran yet). */
    public String lastFailure() {
        return lastFailure;
    }

    /** The context it was made with. */
    public SyntheticContext context() {
        return context;
    }

    /** Stops probing and closes the connection; waits for the thread (at most the timeout and a second). */
    @Override
    public void close() {
        running = false;
        thread.interrupt();
        try {
            thread.join(TimeUnit.NANOSECONDS.toMillis(context.timeoutNs()) + 1000);
        } catch (final InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
    }
}
