package io.vigil.engine;

import io.vigil.scoring.rules.RulesConfig;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;

/**
 * Every configuration key of Vigil, its default and its meaning, in one place.
 *
 * <p>A value is looked up, first match wins, in: a Java system property with the key's name
 * ({@code -Dvigil.port=7071}); an environment variable named after the key in upper case with dots as underscores
 * ({@code VIGIL_PORT=7071}); the config file given to {@code vigil run --config FILE} (Java properties format);
 * the default below. Durations take a unit suffix ({@code ns us ms s m h d}, milliseconds when none), sizes
 * {@code k m g}. A malformed value is an {@link IllegalArgumentException} naming the key.
 *
 * <p>Immutable and thread-safe once built. Allocates when built and on lookups; never used on the hot path
 * (components read their values once, at construction).
 */
public final class VigilConfig {
    /** One documented key. */
    public static final class Key {
        private final String name;
        private final String defaultValue;
        private final String description;

        private Key(final String name, final String defaultValue, final String description) {
            this.name = name;
            this.defaultValue = defaultValue;
            this.description = description;
        }

        public String name() {
            return name;
        }

        public String defaultValue() {
            return defaultValue;
        }

        public String description() {
            return description;
        }

        /** The environment variable that overrides this key. */
        public String envName() {
            return name.toUpperCase(Locale.ROOT).replace('.', '_');
        }
    }

    private static final List<Key> KEYS = new ArrayList<>();

    private static Key key(final String name, final String defaultValue, final String description) {
        final Key key = new Key(name, defaultValue, description);
        KEYS.add(key);
        return key;
    }

    // --- data and journals ---
    public static final Key DATA_DIR = key("vigil.data.dir", "./vigil-data",
        "Directory holding the input/, output/ and dlq/ journals.");
    public static final Key ROLL_CYCLE = key("vigil.journal.roll.cycle", "FAST_HOURLY",
        "Chronicle roll cycle of every journal (FAST_HOURLY, FAST_DAILY, ...).");

    // --- gateway ---
    public static final Key BIND_HOST = key("vigil.bind.host", "127.0.0.1",
        "Address the TCP gateway listens on.");
    public static final Key PORT = key("vigil.port", "7070",
        "TCP port of the gateway; 0 picks a free port.");
    public static final Key CREDENTIAL = key("vigil.credential", "vigil-demo-secret",
        "Shared secret a Logon must carry (US-ASCII, at most 32 bytes). Change it for anything but a demo.");
    public static final Key MAX_FRAME_BYTES = key("vigil.max.frame.bytes", "512",
        "Largest frame accepted; a longer one is rejected and the connection closed.");
    public static final Key HEARTBEAT_INTERVAL = key("vigil.heartbeat.interval", "1s",
        "Server heartbeat interval; a connection silent for 3 intervals is closed.");
    public static final Key MAX_CONNECTIONS = key("vigil.max.connections", "64",
        "Connections the gateway holds at once; one more is rejected with TOO_MANY_CONNECTIONS and closed.");
    public static final Key FRAME_TIMEOUT = key("vigil.frame.timeout", "5s",
        "How long a frame may stay incomplete before the connection is rejected with FRAME_TIMEOUT and closed.");
    public static final Key LOGON_FAILURES_MAX = key("vigil.logon.failures.max", "5",
        "Failed Logons from one address within the window after which its connections are refused.");
    public static final Key LOGON_FAILURES_WINDOW = key("vigil.logon.failures.window", "1m",
        "Window over which failed Logons are counted, and how long an address stays refused.");
    public static final Key CLIENT_PENDING_BYTES = key("vigil.client.pending.bytes", "4m",
        "Answers queued for a client that does not read them, above which the gateway stops reading its events.");
    public static final Key EGRESS_BUFFER_BYTES = key("vigil.egress.buffer.bytes", "4m",
        "Ring buffer between the pipeline and the network thread that carries answers.");

    // --- pipeline ---
    public static final Key RING_SIZE = key("vigil.ring.size", "16384",
        "Slots in the Disruptor ring (power of two).");
    public static final Key WAIT_STRATEGY = key("vigil.wait.strategy", "sleep",
        "How pipeline and tailer threads idle when they have no work: spin, yield, sleep (parks up to 50 us), block (parks up to 1 ms). spin burns a core per thread.");
    public static final Key CPU_AFFINITY = key("vigil.cpu.affinity", "",
        "Comma-separated CPUs to pin the tailer and pipeline threads to, in that order; empty: no pinning.");
    public static final Key WATCHDOG_STALL_TIMEOUT = key("vigil.watchdog.stall.timeout", "10s",
        "The tailer or pipeline thread is reported stalled (log, counter, Engine.health()) when its duty cycle has not advanced for this long while it has work; a dead thread is reported at once.");
    public static final Key INFERENCE_BATCH = key("vigil.inference.batch.max", "64",
        "Most events scored by one ONNX call; a batch also ends with the Disruptor batch.");
    public static final Key INFERENCE_BUDGET = key("vigil.inference.budget", "100ms",
        "A batch whose ONNX call takes longer is decided by the rules alone, with reason MODEL_FALLBACK; 0 disables.");
    public static final Key MODEL_PATH = key("vigil.model.path", "",
        "ONNX model file; empty: the model bundled with Vigil.");
    public static final Key EXPECTED_ACCOUNTS = key("vigil.features.expected.accounts", "65536",
        "Accounts the feature state is pre-sized for (it grows past this).");
    public static final Key EXPECTED_SERIES = key("vigil.metrics.expected.series", "1024",
        "Metric series the anomaly state is pre-sized for (it grows past this).");

    // --- checkpoints, recovery and resend ---
    public static final Key CHECKPOINT_DIR = key("vigil.checkpoint.dir", "",
        "Directory of the state checkpoints; empty: checkpoints/ under the data directory.");
    public static final Key CHECKPOINT_INTERVAL = key("vigil.checkpoint.interval.events", "1000000",
        "Input events between two checkpoints of all per-key state (written by the pipeline thread at a batch boundary, and at shutdown); 0: at shutdown only.");
    public static final Key CHECKPOINT_RETAIN = key("vigil.checkpoint.retain", "3",
        "Newest checkpoints kept; older ones are deleted after each write.");
    public static final Key RESEND_WINDOW = key("vigil.resend.window.events", "65536",
        "A client's latest journaled events that a resend can be answered for from the journals; a resend of an older sequence is rejected with SEQUENCE_NOT_INCREASING.");

    // --- validation ---
    public static final Key MAX_AMOUNT_MINOR = key("vigil.validation.amount.max.minor", "100000000",
        "Largest amount accepted, in minor units; larger amounts are rejected with AMOUNT_OVER_LIMIT.");
    public static final Key MAX_FUTURE_SKEW = key("vigil.validation.event.time.max.future", "5m",
        "How far an event time may lie after its ingest time.");
    public static final Key MAX_EVENT_AGE = key("vigil.validation.event.time.max.age", "7d",
        "How far an event time may lie before its ingest time.");

    // --- decision rules (defaults are RulesConfig's) ---
    public static final Key RULE_MODEL_REVIEW = key("vigil.rules.model.review",
        String.valueOf(RulesConfig.DEFAULT_REVIEW_THRESHOLD), "Model score at or above which an event goes to REVIEW.");
    public static final Key RULE_MODEL_DECLINE = key("vigil.rules.model.decline",
        String.valueOf(RulesConfig.DEFAULT_DECLINE_THRESHOLD), "Model score at or above which an event is DECLINEd.");
    public static final Key RULE_ANOMALY_REVIEW = key("vigil.rules.anomaly.review",
        String.valueOf(RulesConfig.DEFAULT_ANOMALY_THRESHOLD), "Anomaly score at or above which an event goes to REVIEW.");
    public static final Key RULE_AMOUNT_Z = key("vigil.rules.amount.z",
        String.valueOf(RulesConfig.DEFAULT_AMOUNT_Z_THRESHOLD), "Amount z-score at or above which AMOUNT_ANOMALY fires.");
    public static final Key RULE_VELOCITY_Z = key("vigil.rules.velocity.z",
        String.valueOf(RulesConfig.DEFAULT_VELOCITY_Z_THRESHOLD), "Velocity z-score at or above which VELOCITY_ANOMALY fires.");
    public static final Key RULE_DECLINE_HITS = key("vigil.rules.decline.min.hits",
        String.valueOf(RulesConfig.DEFAULT_DECLINE_MIN_RULE_HITS),
        "Rule reasons that together DECLINE an event (fewer send it to REVIEW).");

    private final Map<String, String> fileValues;
    private final Map<String, String> overrides;
    private final Map<String, String> env;
    private final Properties system;

    private VigilConfig(final Map<String, String> fileValues, final Map<String, String> overrides,
        final Map<String, String> env, final Properties system) {
        this.fileValues = fileValues;
        this.overrides = overrides;
        this.env = env;
        this.system = system;
    }

    /** Defaults, overridden by system properties and environment variables. */
    public static VigilConfig load() {
        return new VigilConfig(Map.of(), Map.of(), System.getenv(), System.getProperties());
    }

    /** Like {@link #load()}, with a properties file under the system properties and environment. */
    public static VigilConfig load(final Path file) {
        if (file == null) {
            return load();
        }
        final Properties properties = new Properties();
        try (Reader reader = Files.newBufferedReader(file)) {
            properties.load(reader);
        } catch (final IOException ex) {
            throw new IllegalArgumentException("cannot read config file " + file + ": " + ex.getMessage(), ex);
        }
        final Map<String, String> values = new LinkedHashMap<>();
        for (final String name : properties.stringPropertyNames()) {
            if (find(name) == null) {
                throw new IllegalArgumentException("unknown key '" + name + "' in config file " + file);
            }
            values.put(name, properties.getProperty(name));
        }
        return new VigilConfig(values, Map.of(), System.getenv(), System.getProperties());
    }

    /** Only defaults and the given values: for tests and embedded use, ignoring the environment. */
    public static VigilConfig of(final Map<String, String> values) {
        for (final String name : values.keySet()) {
            if (find(name) == null) {
                throw new IllegalArgumentException("unknown configuration key '" + name + "'");
            }
        }
        return new VigilConfig(Map.of(), Map.copyOf(values), Map.of(), new Properties());
    }

    /** A copy with some keys set, taking precedence over every other source. */
    public VigilConfig with(final Map<String, String> values) {
        final Map<String, String> merged = new LinkedHashMap<>(overrides);
        for (final Map.Entry<String, String> e : values.entrySet()) {
            if (find(e.getKey()) == null) {
                throw new IllegalArgumentException("unknown configuration key '" + e.getKey() + "'");
            }
            merged.put(e.getKey(), e.getValue());
        }
        return new VigilConfig(fileValues, merged, env, system);
    }

    /** Every key, in documentation order. */
    public static List<Key> keys() {
        return Collections.unmodifiableList(KEYS);
    }

    private static Key find(final String name) {
        for (final Key key : KEYS) {
            if (key.name.equals(name)) {
                return key;
            }
        }
        return null;
    }

    /** The raw effective value and where it came from. */
    public String source(final Key key) {
        if (overrides.containsKey(key.name)) {
            return "override";
        }
        if (system.getProperty(key.name) != null) {
            return "system property";
        }
        if (env.get(key.envName()) != null) {
            return "env " + key.envName();
        }
        if (fileValues.containsKey(key.name)) {
            return "config file";
        }
        return "default";
    }

    public String string(final Key key) {
        String value = overrides.get(key.name);
        if (value == null) {
            value = system.getProperty(key.name);
        }
        if (value == null) {
            value = env.get(key.envName());
        }
        if (value == null) {
            value = fileValues.get(key.name);
        }
        return value == null ? key.defaultValue : value.trim();
    }

    public int integer(final Key key) {
        final long value = size(key);
        if (value > Integer.MAX_VALUE || value < Integer.MIN_VALUE) {
            throw invalid(key, "out of range for an int");
        }
        return (int)value;
    }

    public long longValue(final Key key) {
        return size(key);
    }

    public double decimal(final Key key) {
        try {
            return Double.parseDouble(string(key));
        } catch (final NumberFormatException ex) {
            throw invalid(key, "not a number");
        }
    }

    /** A size with an optional k, m or g suffix (powers of 1024). */
    public long size(final Key key) {
        final String value = string(key).toLowerCase(Locale.ROOT);
        long multiplier = 1;
        String digits = value;
        if (value.endsWith("k")) {
            multiplier = 1024L;
        } else if (value.endsWith("m")) {
            multiplier = 1024L * 1024;
        } else if (value.endsWith("g")) {
            multiplier = 1024L * 1024 * 1024;
        }
        if (multiplier != 1) {
            digits = value.substring(0, value.length() - 1);
        }
        try {
            return Math.multiplyExact(Long.parseLong(digits.trim()), multiplier);
        } catch (final NumberFormatException | ArithmeticException ex) {
            throw invalid(key, "not a size (e.g. 512, 64k, 16m)");
        }
    }

    /** A duration in nanoseconds: a number with an optional unit ns, us, ms, s, m, h or d (ms when none). */
    public long durationNs(final Key key) {
        final String value = string(key).toLowerCase(Locale.ROOT);
        int split = value.length();
        while (split > 0 && Character.isLetter(value.charAt(split - 1))) {
            split--;
        }
        final String unit = value.substring(split);
        final long nanosPerUnit;
        switch (unit) {
            case "ns": nanosPerUnit = 1L; break;
            case "us": nanosPerUnit = 1_000L; break;
            case "":
            case "ms": nanosPerUnit = 1_000_000L; break;
            case "s": nanosPerUnit = 1_000_000_000L; break;
            case "m": nanosPerUnit = 60_000_000_000L; break;
            case "h": nanosPerUnit = 3_600_000_000_000L; break;
            case "d": nanosPerUnit = 86_400_000_000_000L; break;
            default: throw invalid(key, "unknown duration unit '" + unit + "'");
        }
        try {
            return Math.multiplyExact(Long.parseLong(value.substring(0, split).trim()), nanosPerUnit);
        } catch (final NumberFormatException | ArithmeticException ex) {
            throw invalid(key, "not a duration (e.g. 250ms, 5s, 7d)");
        }
    }

    public Path path(final Key key) {
        return Path.of(string(key));
    }

    private IllegalArgumentException invalid(final Key key, final String why) {
        return new IllegalArgumentException("configuration key " + key.name + " = '" + string(key) + "': " + why +
            " (from " + source(key) + ")");
    }

    /** The effective configuration, one {@code key = value (source)} line per key, for start-up logs. */
    public String describe() {
        final StringBuilder sb = new StringBuilder();
        for (final Key key : KEYS) {
            String value = string(key);
            if (key == CREDENTIAL) {
                value = "*".repeat(Math.min(8, value.length()));
            }
            sb.append("  ").append(key.name).append(" = ").append(value)
                .append("  (").append(source(key)).append(")\n");
        }
        return sb.toString();
    }
}
