package io.vigil.gateway.alert;

import io.vigil.gateway.GatewayKeys;
import io.vigil.engine.VigilConfig;
import io.vigil.engine.VigilConfig.Key;
import io.vigil.gateway.GatewayConfiguration;

import java.util.List;

/**
 * The keys of the alerts and their webhooks (module {@code gateway}); {@link AlertContext} reads and checks them.
 * Contributed to {@link VigilConfig} as a {@link io.vigil.engine.ConfigKeys} service. None changes a decision: they are recorded as
 * local, never taken over by a replay.
 */
public final class AlertConfiguration extends GatewayKeys {
    private static final VigilConfig.KeyList KEYS = new VigilConfig.KeyList(GatewayConfiguration.MODULE);

    public static final Key ENABLED = KEYS.add("vigil.alert.enabled", "true",
        "Whether the server evaluates alerts (vigil-alerts thread) and sends them to the webhooks.", Key.Recording.LOCAL);
    public static final Key EVALUATION_INTERVAL = KEYS.add("vigil.alert.evaluation.interval", "10s",
        "How often the alert sources are evaluated and changes sent.", Key.Recording.LOCAL);
    public static final Key WEBHOOK_URLS = KEYS.add("vigil.alert.webhook.urls", "",
        "Comma-separated http(s) URLs that receive alerts as Prometheus Alertmanager webhook messages (version 4); empty: alerts are only kept for /alerts.",
        Key.Recording.SECRET);
    public static final Key RECEIVER = KEYS.add("vigil.alert.receiver", "vigil",
        "The receiver name the webhook messages carry (Alertmanager's receiver field).", Key.Recording.LOCAL);
    public static final Key EXTERNAL_URL = KEYS.add("vigil.alert.external.url", "",
        "Base URL of this server's admin endpoint, for the messages' externalURL and each alert's generatorURL (<base>/alerts); empty: none.",
        Key.Recording.LOCAL);
    public static final Key CONNECT_TIMEOUT = KEYS.add("vigil.alert.webhook.connect.timeout", "2s",
        "Longest a webhook connection may take to open.", Key.Recording.LOCAL);
    public static final Key REQUEST_TIMEOUT = KEYS.add("vigil.alert.webhook.request.timeout", "5s",
        "Longest a webhook receiver may take to answer a message; then the attempt fails (a hanging receiver holds only its own delivery thread).",
        Key.Recording.LOCAL);
    public static final Key RETRY_INITIAL = KEYS.add("vigil.alert.webhook.retry.initial", "500ms",
        "First retry delay after a failed delivery; doubled per consecutive failure, with jitter (half to all of it).",
        Key.Recording.LOCAL);
    public static final Key RETRY_MAX = KEYS.add("vigil.alert.webhook.retry.max", "30s",
        "Cap of the retry delay.", Key.Recording.LOCAL);
    public static final Key QUEUE_CAPACITY = KEYS.add("vigil.alert.webhook.queue.capacity", "256",
        "Messages waiting per receiver; when full the oldest is dropped (counted).", Key.Recording.LOCAL);
    public static final Key BREAKER_FAILURES = KEYS.add("vigil.alert.webhook.breaker.failures", "5",
        "Consecutive failed deliveries after which a receiver's circuit breaker opens (nothing is sent to it during the cool-down).",
        Key.Recording.LOCAL);
    public static final Key BREAKER_COOLDOWN = KEYS.add("vigil.alert.webhook.breaker.cooldown", "30s",
        "How long an open breaker waits before one probe (half-open): success closes it, failure opens it again.",
        Key.Recording.LOCAL);
    public static final Key FALLBACK_RATIO = KEYS.add("vigil.alert.model.fallback.ratio", "0.05",
        "ModelFallbackRate fires when model fallbacks / answered over the window exceed this (between 0 and 1).",
        Key.Recording.LOCAL);
    public static final Key FALLBACK_WINDOW = KEYS.add("vigil.alert.model.fallback.window", "5m",
        "Window of the model fallback ratio.", Key.Recording.LOCAL);
    public static final Key ERRORS_RATE = KEYS.add("vigil.alert.errors.per.second", "1",
        "PipelineErrors fires when the errors counter grows faster than this per second over the window.",
        Key.Recording.LOCAL);
    public static final Key ERRORS_WINDOW = KEYS.add("vigil.alert.errors.window", "5m",
        "Window of the error rate.", Key.Recording.LOCAL);
    public static final Key ANOMALY_SCORE = KEYS.add("vigil.alert.anomaly.score", "0.99",
        "MetricAnomaly fires for a metric series whose sample is decided with an anomaly score at or above this (read from the output journal); above 1: never.",
        Key.Recording.LOCAL);
    public static final Key ANOMALY_HOLD = KEYS.add("vigil.alert.anomaly.hold", "5m",
        "A MetricAnomaly alert resolves once its series has had no score at or above the threshold for this long.",
        Key.Recording.LOCAL);

    static final List<Key> KEYS_IN_ORDER = KEYS.keys();

    /** For {@link java.util.ServiceLoader}; the keys are the constants above. */
    public AlertConfiguration() {
        super(KEYS_IN_ORDER, config -> new AlertContext(config).conclude());
    }
}
