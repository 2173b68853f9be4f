package io.vigil.gateway.alert;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;

/**
 * One alert: its name, labels and annotations, when it started and (once resolved) ended, and its fingerprint.
 * Alerts with the same name and labels are the same alert (deduplicated by {@link #fingerprint}). Immutable and
 * JSON-ready; thread-safe.
 *
 * @param labels      identify the alert (sorted); {@code alertname} is added to them in webhook messages.
 * @param annotations describe it (summary, description, values), may change while it fires.
 * @param endsAtMs    0 while firing; the epoch ms it resolved at.
 */
public record Alert(String name, Map<String, String> labels, Map<String, String> annotations, long startsAtMs,
    long endsAtMs, String fingerprint) {
    public static final String FIRING = "firing";
    public static final String RESOLVED = "resolved";

    public Alert {
        labels = java.util.Collections.unmodifiableMap(new TreeMap<>(labels));
        annotations = java.util.Collections.unmodifiableMap(new TreeMap<>(annotations));
    }

    /** A new firing alert. */
    public static Alert firing(final String name, final Map<String, String> labels,
        final Map<String, String> annotations, final long startsAtMs) {
        return new Alert(name, labels, annotations, startsAtMs, 0, fingerprint(name, labels));
    }

    public boolean isFiring() {
        return endsAtMs == 0;
    }

    public String status() {
        return isFiring() ? FIRING : RESOLVED;
    }

    /** This alert, resolved at {@code endsAtMs}. */
    public Alert resolved(final long endsAtMs) {
        return new Alert(name, labels, annotations, startsAtMs, Math.max(endsAtMs, startsAtMs), fingerprint);
    }

    /** This alert with new annotations. */
    public Alert annotated(final Map<String, String> annotations) {
        return new Alert(name, labels, annotations, startsAtMs, endsAtMs, fingerprint);
    }

    /** The labels with {@code alertname}, as Alertmanager carries them. */
    public Map<String, String> labelsWithName() {
        final Map<String, String> all = new TreeMap<>(labels);
        all.put("alertname", name);
        return java.util.Collections.unmodifiableMap(all);
    }

    /**
     * The fingerprint of an alert: 64-bit FNV-1a over its label set including {@code alertname}, names sorted, each
     * name and value followed by a 0xff byte (the way Alertmanager fingerprints a label set), as 16 hex digits.
     */
    public static String fingerprint(final String name, final Map<String, String> labels) {
        final Map<String, String> all = new TreeMap<>(labels);
        all.put("alertname", name);
        long hash = 0xcbf29ce484222325L;
        for (final Map.Entry<String, String> label : all.entrySet()) {
            hash = fnv(hash, label.getKey());
            hash = fnv(hash, label.getValue());
        }
        return String.format("%016x", hash);
    }

    private static long fnv(final long seed, final String text) {
        long hash = seed;
        for (final byte b : text.getBytes(StandardCharsets.UTF_8)) {
            hash ^= b & 0xff;
            hash *= 0x100000001b3L;
        }
        hash ^= 0xff;
        hash *= 0x100000001b3L;
        return hash;
    }
}
