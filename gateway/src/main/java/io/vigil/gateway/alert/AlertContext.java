package io.vigil.gateway.alert;

import io.vigil.engine.ConfigContext;
import io.vigil.engine.VigilConfig;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

import static io.vigil.gateway.alert.AlertConfiguration.ANOMALY_HOLD;
import static io.vigil.gateway.alert.AlertConfiguration.ANOMALY_SCORE;
import static io.vigil.gateway.alert.AlertConfiguration.BREAKER_COOLDOWN;
import static io.vigil.gateway.alert.AlertConfiguration.BREAKER_FAILURES;
import static io.vigil.gateway.alert.AlertConfiguration.CONNECT_TIMEOUT;
import static io.vigil.gateway.alert.AlertConfiguration.ENABLED;
import static io.vigil.gateway.alert.AlertConfiguration.ERRORS_RATE;
import static io.vigil.gateway.alert.AlertConfiguration.ERRORS_WINDOW;
import static io.vigil.gateway.alert.AlertConfiguration.EVALUATION_INTERVAL;
import static io.vigil.gateway.alert.AlertConfiguration.EXTERNAL_URL;
import static io.vigil.gateway.alert.AlertConfiguration.FALLBACK_RATIO;
import static io.vigil.gateway.alert.AlertConfiguration.FALLBACK_WINDOW;
import static io.vigil.gateway.alert.AlertConfiguration.QUEUE_CAPACITY;
import static io.vigil.gateway.alert.AlertConfiguration.RECEIVER;
import static io.vigil.gateway.alert.AlertConfiguration.REQUEST_TIMEOUT;
import static io.vigil.gateway.alert.AlertConfiguration.RETRY_INITIAL;
import static io.vigil.gateway.alert.AlertConfiguration.RETRY_MAX;
import static io.vigil.gateway.alert.AlertConfiguration.WEBHOOK_URLS;

/**
 * The alerting configuration (the keys of {@link AlertConfiguration}), read from a {@link VigilConfig}, changed by the
 * fluent setters, checked once in {@link #conclude()}; see {@link ConfigContext}. Not thread-safe while being set;
 * immutable once concluded.
 */
public final class AlertContext extends ConfigContext {
    private boolean enabled;
    private long evaluationIntervalMs;
    private List<URI> webhookUrls;
    private String receiver;
    private String externalUrl;
    private long connectTimeoutMs;
    private long requestTimeoutMs;
    private long retryInitialMs;
    private long retryMaxMs;
    private int queueCapacity;
    private int breakerFailures;
    private long breakerCooldownMs;
    private double fallbackRatio;
    private long fallbackWindowMs;
    private double errorsPerSecond;
    private long errorsWindowMs;
    private double anomalyScore;
    private long anomalyHoldMs;

    public AlertContext(final VigilConfig config) {
        super(config);
    }

    /** Reads and checks every key once, then freezes the context. */
    public AlertContext conclude() {
        concludeOnce();
        return this;
    }

    @Override
    protected List<VigilConfig.Key> keys() {
        return AlertConfiguration.KEYS_IN_ORDER;
    }

    @Override
    protected void read(final Values v) {
        enabled = v.bool(ENABLED);
        evaluationIntervalMs = ms(v, EVALUATION_INTERVAL, 1);
        webhookUrls = urls(v);
        receiver = v.string(RECEIVER);
        externalUrl = v.string(EXTERNAL_URL);
        connectTimeoutMs = ms(v, CONNECT_TIMEOUT, 1);
        requestTimeoutMs = ms(v, REQUEST_TIMEOUT, 1);
        retryInitialMs = ms(v, RETRY_INITIAL, 1);
        retryMaxMs = ms(v, RETRY_MAX, 1);
        if (v.sound() && retryMaxMs < retryInitialMs) {
            v.problem("configuration key " + RETRY_MAX.name() + " (" + retryMaxMs + " ms) is below " +
                RETRY_INITIAL.name() + " (" + retryInitialMs + " ms)");
        }
        queueCapacity = v.integer(QUEUE_CAPACITY, 1);
        breakerFailures = v.integer(BREAKER_FAILURES, 1);
        breakerCooldownMs = ms(v, BREAKER_COOLDOWN, 1);
        fallbackRatio = v.fraction(FALLBACK_RATIO);
        fallbackWindowMs = ms(v, FALLBACK_WINDOW, 1000);
        errorsPerSecond = v.positive(ERRORS_RATE, "must be a positive number of errors per second");
        errorsWindowMs = ms(v, ERRORS_WINDOW, 1000);
        anomalyScore = v.positive(ANOMALY_SCORE, "must be a positive score");
        anomalyHoldMs = ms(v, ANOMALY_HOLD, 1);
    }

    private static long ms(final Values v, final VigilConfig.Key key, final long minMs) {
        return TimeUnit.NANOSECONDS.toMillis(v.durationNs(key, TimeUnit.MILLISECONDS.toNanos(minMs)));
    }

    private static List<URI> urls(final Values v) {
        final List<URI> urls = new ArrayList<>();
        for (final String part : v.string(WEBHOOK_URLS).split(",")) {
            final String text = part.trim();
            if (text.isEmpty()) {
                continue;
            }
            try {
                final URI uri = new URI(text);
                final String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
                if (!scheme.equals("http") && !scheme.equals("https") || uri.getHost() == null) {
                    // the value is a secret: the problem names the key, not the URL
                    v.problem("configuration key " + WEBHOOK_URLS.name() + ": entry " + (urls.size() + 1) +
                        " is not an http(s) URL with a host");
                    continue;
                }
                urls.add(uri);
            } catch (final URISyntaxException ex) {
                v.problem("configuration key " + WEBHOOK_URLS.name() + ": entry " + (urls.size() + 1) +
                    " is not a URL (" + ex.getReason() + ")");
            }
        }
        return List.copyOf(urls);
    }

    public boolean enabled() {
        requireConcluded();
        return enabled;
    }

    public AlertContext enabled(final boolean enabled) {
        set(ENABLED, Boolean.toString(enabled));
        return this;
    }

    public long evaluationIntervalMs() {
        requireConcluded();
        return evaluationIntervalMs;
    }

    public AlertContext evaluationIntervalMs(final long ms) {
        set(EVALUATION_INTERVAL, ms + "ms");
        return this;
    }

    public List<URI> webhookUrls() {
        requireConcluded();
        return webhookUrls;
    }

    /** Comma-separated, as the key takes them. */
    public AlertContext webhookUrls(final String urls) {
        set(WEBHOOK_URLS, urls);
        return this;
    }

    public String receiver() {
        requireConcluded();
        return receiver;
    }

    public AlertContext receiver(final String name) {
        set(RECEIVER, name);
        return this;
    }

    public String externalUrl() {
        requireConcluded();
        return externalUrl;
    }

    public AlertContext externalUrl(final String url) {
        set(EXTERNAL_URL, url);
        return this;
    }

    public long connectTimeoutMs() {
        requireConcluded();
        return connectTimeoutMs;
    }

    public AlertContext connectTimeoutMs(final long ms) {
        set(CONNECT_TIMEOUT, ms + "ms");
        return this;
    }

    public long requestTimeoutMs() {
        requireConcluded();
        return requestTimeoutMs;
    }

    public AlertContext requestTimeoutMs(final long ms) {
        set(REQUEST_TIMEOUT, ms + "ms");
        return this;
    }

    public long retryInitialMs() {
        requireConcluded();
        return retryInitialMs;
    }

    public AlertContext retryInitialMs(final long ms) {
        set(RETRY_INITIAL, ms + "ms");
        return this;
    }

    public long retryMaxMs() {
        requireConcluded();
        return retryMaxMs;
    }

    public AlertContext retryMaxMs(final long ms) {
        set(RETRY_MAX, ms + "ms");
        return this;
    }

    public int queueCapacity() {
        requireConcluded();
        return queueCapacity;
    }

    public AlertContext queueCapacity(final int messages) {
        set(QUEUE_CAPACITY, Integer.toString(messages));
        return this;
    }

    public int breakerFailures() {
        requireConcluded();
        return breakerFailures;
    }

    public AlertContext breakerFailures(final int failures) {
        set(BREAKER_FAILURES, Integer.toString(failures));
        return this;
    }

    public long breakerCooldownMs() {
        requireConcluded();
        return breakerCooldownMs;
    }

    public AlertContext breakerCooldownMs(final long ms) {
        set(BREAKER_COOLDOWN, ms + "ms");
        return this;
    }

    public double fallbackRatio() {
        requireConcluded();
        return fallbackRatio;
    }

    public AlertContext fallbackRatio(final double ratio) {
        set(FALLBACK_RATIO, Double.toString(ratio));
        return this;
    }

    public long fallbackWindowMs() {
        requireConcluded();
        return fallbackWindowMs;
    }

    public AlertContext fallbackWindowMs(final long ms) {
        set(FALLBACK_WINDOW, ms + "ms");
        return this;
    }

    public double errorsPerSecond() {
        requireConcluded();
        return errorsPerSecond;
    }

    public AlertContext errorsPerSecond(final double rate) {
        set(ERRORS_RATE, Double.toString(rate));
        return this;
    }

    public long errorsWindowMs() {
        requireConcluded();
        return errorsWindowMs;
    }

    public AlertContext errorsWindowMs(final long ms) {
        set(ERRORS_WINDOW, ms + "ms");
        return this;
    }

    public double anomalyScore() {
        requireConcluded();
        return anomalyScore;
    }

    public AlertContext anomalyScore(final double score) {
        set(ANOMALY_SCORE, Double.toString(score));
        return this;
    }

    public long anomalyHoldMs() {
        requireConcluded();
        return anomalyHoldMs;
    }

    public AlertContext anomalyHoldMs(final long ms) {
        set(ANOMALY_HOLD, ms + "ms");
        return this;
    }
}
