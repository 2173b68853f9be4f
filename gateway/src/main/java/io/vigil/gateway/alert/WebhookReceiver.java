package io.vigil.gateway.alert;

import io.vigil.engine.counters.CounterType;
import io.vigil.engine.counters.VigilCounters;
import io.vigil.gateway.slo.WallClock;
import org.agrona.concurrent.status.AtomicCounter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * Delivers webhook messages to one receiver URL, on a delivery thread of its own ({@code vigil-webhook-N}), so that
 * a receiver that is down, slow or hanging holds up nothing but itself: not the alert thread, not other receivers.
 *
 * <ul>
 * <li>Queue: bounded ({@code vigil.alert.webhook.queue.capacity}); {@link #offer} never blocks, and when the queue
 * is full the oldest message is dropped and counted. Messages go in order; one is removed only once delivered (or
 * refused with a 4xx: it would never be accepted, so it is dropped and counted).</li>
 * <li>Timeouts: on connecting and on the whole request (JDK {@link HttpClient}); a receiver that accepts and never
 * answers fails the attempt when the request timeout ends.</li>
 * <li>Retries: a failed attempt (5xx, 429, 408, refused, reset, timed out) is retried after an exponential backoff
 * with jitter, capped ({@link Backoff}).</li>
 * <li>Circuit breaker ({@link CircuitBreaker}): after N consecutive failures nothing is sent during the cool-down;
 * then one probe; its success closes the breaker and the backlog follows, its failure opens it again.</li>
 * </ul>
 *
 * <p>Thread-safe: {@link #offer} and {@link #snapshot} from any thread. Allocates per message (control plane).
 * Java 17's {@link HttpClient} cannot be closed: its selector thread is a daemon and ends once the client is
 * unreachable after {@link #close}.
 */
public final class WebhookReceiver implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(WebhookReceiver.class);

    /** Delivery settings, from {@link AlertContext}. */
    public record Settings(long connectTimeoutMs, long requestTimeoutMs, long retryInitialMs, long retryMaxMs,
        int queueCapacity, int breakerFailures, long breakerCooldownMs) {
        public static Settings of(final AlertContext context) {
            return new Settings(context.connectTimeoutMs(), context.requestTimeoutMs(), context.retryInitialMs(),
                context.retryMaxMs(), context.queueCapacity(), context.breakerFailures(), context.breakerCooldownMs());
        }
    }

    /** What happened at a receiver: for logs, tests and timelines. */
    public record Event(long timeMs, String receiver, Kind kind, String detail, CircuitBreaker.State breaker) {
        public enum Kind {
            DELIVERED,
            REFUSED,
            FAILED,
            BREAKER_OPENED,
            BREAKER_HALF_OPEN,
            BREAKER_CLOSED,
            DROPPED
        }
    }

    /** Told of each {@link Event}, on the delivery thread (or the offering thread for a drop); must not block. */
    @FunctionalInterface
    public interface Listener {
        Listener NONE = event -> {
        };

        void onEvent(Event event);
    }

    /**
     * One receiver's state, JSON-ready.
     *
     * @param target    scheme, host and port of the URL (its path and query may hold a token: not shown).
     * @param breaker   {@code CLOSED}, {@code OPEN} or {@code HALF_OPEN}.
     * @param dropped   messages dropped because the queue was full.
     * @param refused   messages the receiver refused with a 4xx (dropped).
     * @param lastError the last failure, or empty.
     */
    public record Snapshot(String name, String target, String breaker, int consecutiveFailures,
        long breakerOpenedAtMs, long breakerOpenings, int queued, long attempts, long delivered, long failed,
        long dropped, long refused, long lastAttemptMs, long lastDeliveredMs, String lastError) {
    }

    private final String name;
    private final URI url;
    private final Settings settings;
    private final WallClock clock;
    private final Listener listener;
    private final HttpClient client;
    private final CircuitBreaker breaker;
    private final Backoff backoff;
    private final ArrayDeque<byte[]> queue = new ArrayDeque<>();
    private final Object lock = new Object();
    private final AtomicCounter deliveredCounter;
    private final AtomicCounter failedCounter;
    private final AtomicCounter droppedCounter;
    private final Thread thread;
    private boolean running = true;
    private long attempts;
    private long delivered;
    private long failed;
    private long dropped;
    private long refused;
    private long lastAttemptMs;
    private long lastDeliveredMs;
    private String lastError = "";

    /**
     * @param counters where the delivered, failed and dropped counts also go (all receivers add to the same
     *                 counters); null for none.
     */
    public WebhookReceiver(final String name, final URI url, final Settings settings, final WallClock clock,
        final VigilCounters counters, final Listener listener) {
        this.name = name;
        this.url = url;
        this.settings = settings;
        this.clock = clock;
        this.listener = listener;
        this.client = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofMillis(settings.connectTimeoutMs()))
            .followRedirects(HttpClient.Redirect.NEVER)
            .build();
        this.breaker = new CircuitBreaker(settings.breakerFailures(), settings.breakerCooldownMs());
        this.backoff = new Backoff(settings.retryInitialMs(), settings.retryMaxMs(), new Random());
        this.deliveredCounter = counters == null ? null : counters.counter(CounterType.WEBHOOK_DELIVERED);
        this.failedCounter = counters == null ? null : counters.counter(CounterType.WEBHOOK_FAILED);
        this.droppedCounter = counters == null ? null : counters.counter(CounterType.WEBHOOK_DROPPED);
        this.thread = new Thread(this::run, "vigil-" + name);
        this.thread.setDaemon(true);
    }

    /** Starts the delivery thread. */
    public WebhookReceiver start() {
        thread.start();
        return this;
    }

    public String name() {
        return name;
    }

    /** Queues a message (UTF-8 JSON); when the queue is full the oldest one is dropped. Never blocks. */
    public void offer(final byte[] json) {
        byte[] droppedMessage = null;
        synchronized (lock) {
            if (!running) {
                return;
            }
            if (queue.size() >= settings.queueCapacity()) {
                droppedMessage = queue.pollFirst();
                dropped++;
            }
            queue.addLast(json);
            lock.notifyAll();
        }
        if (droppedMessage != null) {
            increment(droppedCounter);
            event(Event.Kind.DROPPED, "queue full (" + settings.queueCapacity() + "): oldest message dropped");
        }
    }

    private void run() {
        try {
            while (true) {
                final byte[] message;
                synchronized (lock) {
                    while (running && queue.isEmpty()) {
                        lock.wait();
                    }
                    if (!running) {
                        return;
                    }
                    message = queue.peekFirst();
                }
                final CircuitBreaker.State before = breaker.state();
                final long waitMs = breaker.waitMs(clock.nowMs());
                if (waitMs > 0) {
                    sleep(Math.min(waitMs, 1000));
                    continue;
                }
                if (!breaker.tryAcquire(clock.nowMs())) {
                    continue;
                }
                if (before == CircuitBreaker.State.OPEN) {
                    event(Event.Kind.BREAKER_HALF_OPEN, "cool-down over: one probe");
                }
                attempt(message);
            }
        } catch (final InterruptedException ex) {
            // closed
        }
    }

    private void attempt(final byte[] message) throws InterruptedException {
        final CircuitBreaker.State state = breaker.state();
        final long startMs = clock.nowMs();
        String failure = null;
        int status = 0;
        try {
            final HttpRequest request = HttpRequest.newBuilder(url)
                .timeout(Duration.ofMillis(settings.requestTimeoutMs()))
                .header("Content-Type", "application/json")
                .header("User-Agent", "vigil")
                .POST(HttpRequest.BodyPublishers.ofByteArray(message))
                .build();
            status = client.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
            if (!(status >= 200 && status < 300) && (status < 400 || status >= 500 || status == 408 || status == 429)) {
                failure = "HTTP " + status;
            }
        } catch (final HttpTimeoutException ex) {
            failure = "timed out (" + ex.getMessage() + ")";
        } catch (final IOException ex) {
            failure = ex.getClass().getSimpleName() + (ex.getMessage() == null ? "" : ": " + ex.getMessage());
        } catch (final IllegalArgumentException ex) {
            failure = "bad request: " + ex.getMessage();
        }
        final long nowMs = clock.nowMs();
        if (failure == null) {
            synchronized (lock) {
                attempts++;
                lastAttemptMs = startMs;
                if (queue.peekFirst() == message) {
                    queue.pollFirst();
                }
                if (status < 300) {
                    delivered++;
                    lastDeliveredMs = nowMs;
                } else {
                    refused++;
                }
            }
            backoff.reset();
            breaker.onSuccess();
            if (status < 300) {
                increment(deliveredCounter);
                event(Event.Kind.DELIVERED, "HTTP " + status);
            } else {
                increment(droppedCounter);
                event(Event.Kind.REFUSED, "HTTP " + status + ": refused, dropped");
            }
            if (state != CircuitBreaker.State.CLOSED) {
                event(Event.Kind.BREAKER_CLOSED, "probe delivered");
                LOG.info("webhook {}: delivered again, breaker closed", name);
            }
            return;
        }
        synchronized (lock) {
            attempts++;
            failed++;
            lastAttemptMs = startMs;
            lastError = failure;
        }
        increment(failedCounter);
        breaker.onFailure(nowMs);
        event(Event.Kind.FAILED, failure);
        if (breaker.state() == CircuitBreaker.State.OPEN) {
            event(Event.Kind.BREAKER_OPENED, state == CircuitBreaker.State.HALF_OPEN ? "probe failed" :
                breaker.consecutiveFailures() + " consecutive failures", breaker.openedAtMs());
            LOG.warn("webhook {}: {}; breaker open for {} ms", name, failure, settings.breakerCooldownMs());
            return;
        }
        sleep(backoff.nextMs());
    }

    /** Sleeps {@code ms} of real time, or until closed; offers do not wake it. */
    private void sleep(final long ms) throws InterruptedException {
        final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(ms);
        synchronized (lock) {
            long left;
            while (running && (left = deadline - System.nanoTime()) > 0) {
                TimeUnit.NANOSECONDS.timedWait(lock, left);
            }
            if (!running) {
                throw new InterruptedException("closed");
            }
        }
    }

    private void event(final Event.Kind kind, final String detail) {
        event(kind, detail, clock.nowMs());
    }

    private void event(final Event.Kind kind, final String detail, final long timeMs) {
        try {
            listener.onEvent(new Event(timeMs, name, kind, detail, breaker.state()));
        } catch (final RuntimeException ex) {
            LOG.warn("webhook {}: listener failed", name, ex);
        }
    }

    private static void increment(final AtomicCounter counter) {
        if (counter != null) {
            counter.increment();
        }
    }

    public Snapshot snapshot() {
        synchronized (lock) {
            return new Snapshot(name, target(), breaker.state().name(), breaker.consecutiveFailures(),
                breaker.openedAtMs(), breaker.timesOpened(), queue.size(), attempts, delivered, failed, dropped, refused,
                lastAttemptMs, lastDeliveredMs, lastError);
        }
    }

    private String target() {
        return url.getScheme() + "://" + url.getHost() + (url.getPort() < 0 ? "" : ":" + url.getPort());
    }

    /** Stops the delivery thread (an attempt in flight is interrupted); queued messages are dropped. */
    @Override
    public void close() {
        synchronized (lock) {
            running = false;
            lock.notifyAll();
        }
        thread.interrupt();
        try {
            thread.join(TimeUnit.SECONDS.toMillis(5));
        } catch (final InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
    }
}
