package io.vigil.gateway.alert;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A webhook message in the Prometheus Alertmanager webhook format, version 4: what Alertmanager's
 * {@code webhook_config} receivers accept, so any of them (and Alertmanager-compatible tools) can take Vigil's alerts.
 * One message is one group: alerts of one {@code alertname}. Times are RFC 3339; a firing alert's {@code endsAt} is
 * Go's zero time {@code 0001-01-01T00:00:00Z}, as Alertmanager sends it. Immutable; serialised by Jackson.
 *
 * @param groupKey identifies the group: {@code {}:{alertname="NAME"}}.
 * @param status   {@code firing} while any alert of the message fires, else {@code resolved}.
 */
@JsonPropertyOrder({"version", "groupKey", "truncatedAlerts", "status", "receiver", "groupLabels", "commonLabels",
    "commonAnnotations", "externalURL", "alerts"})
public record AlertmanagerMessage(String version, String groupKey, long truncatedAlerts, String status,
    String receiver, Map<String, String> groupLabels, Map<String, String> commonLabels,
    Map<String, String> commonAnnotations, String externalURL, List<Entry> alerts) {
    public static final String VERSION = "4";
    /** Go's zero time: what Alertmanager sends as a firing alert's end. */
    public static final String ZERO_TIME = "0001-01-01T00:00:00Z";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One alert of the message. */
    @JsonPropertyOrder({"status", "labels", "annotations", "startsAt", "endsAt", "generatorURL", "fingerprint"})
    public record Entry(String status, Map<String, String> labels, Map<String, String> annotations, String startsAt,
        String endsAt, String generatorURL, String fingerprint) {
    }

    /**
     * The message for a group of alerts of one name.
     *
     * @param externalUrl the admin endpoint's base URL, or empty.
     */
    public static AlertmanagerMessage of(final String receiver, final String externalUrl, final String alertName,
        final List<Alert> alerts) {
        if (alerts.isEmpty()) {
            throw new IllegalArgumentException("a message needs at least one alert");
        }
        final List<Entry> entries = new ArrayList<>(alerts.size());
        boolean firing = false;
        for (final Alert alert : alerts) {
            firing |= alert.isFiring();
            entries.add(new Entry(alert.status(), alert.labelsWithName(), alert.annotations(),
                Instant.ofEpochMilli(alert.startsAtMs()).toString(),
                alert.isFiring() ? ZERO_TIME : Instant.ofEpochMilli(alert.endsAtMs()).toString(),
                externalUrl.isEmpty() ? "" : stripSlash(externalUrl) + "/alerts", alert.fingerprint()));
        }
        return new AlertmanagerMessage(VERSION, "{}:{alertname=\"" + alertName + "\"}", 0,
            firing ? Alert.FIRING : Alert.RESOLVED, receiver, Map.of("alertname", alertName),
            common(entries, true), common(entries, false), externalUrl, List.copyOf(entries));
    }

    /** The labels (or annotations) that every entry has with the same value. */
    private static Map<String, String> common(final List<Entry> entries, final boolean labels) {
        final Map<String, String> common = new LinkedHashMap<>(labels ? entries.get(0).labels() :
            entries.get(0).annotations());
        for (final Entry entry : entries) {
            final Map<String, String> these = labels ? entry.labels() : entry.annotations();
            common.entrySet().removeIf(e -> !e.getValue().equals(these.get(e.getKey())));
        }
        return common;
    }

    private static String stripSlash(final String url) {
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }

    /** The message as UTF-8 JSON. */
    public byte[] toJson() {
        try {
            return JSON.writeValueAsBytes(this);
        } catch (final JsonProcessingException ex) {
            throw new IllegalStateException("cannot write an Alertmanager message", ex);
        }
    }
}
