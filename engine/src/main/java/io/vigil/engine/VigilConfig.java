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
 * the default below. Durations take a unit ({@code ns us ms s m h d}; only {@code 0} may go without), sizes
 * {@code k m g}, both parsed by {@link Units}. A malformed value is an {@link IllegalArgumentException} naming the key.
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
    public static final Key DATA_FREE_MIN = key("vigil.data.free.min", "16m",
        "Least free space the data directory's file system must have for the server to start; 0: no check.");

    // --- gateway ---
    public static final Key BIND_HOST = key("vigil.bind.host", "127.0.0.1",
        "Address the TCP gateway listens on.");
    public static final Key PORT = key("vigil.port", "7070",
        "TCP port of the gateway; 0 picks a free port.");
    public static final Key CREDENTIAL = key("vigil.credential", "vigil-demo-secret",
        "Without a credentials file: the one secret every Logon carries (US-ASCII, at most 32 bytes), logging any client id on as tenant 1. Change it for anything but a demo.");
    public static final Key CREDENTIALS_FILE = key("vigil.credentials.file", "",
        "File of client credentials, one 'clientId tenantId pbkdf2-sha256$iterations$salt$hash' line each (vigil credentials add writes them); each client logs on with its own secret as its own tenant. Empty: vigil.credential for all, as tenant 1.");
    public static final Key ALLOW_INSECURE = key("vigil.bind.allow.insecure", "false",
        "true lets the gateway start with the published default credential on an address other than loopback, or with an empty credential anywhere; both are refused otherwise. Never for production.");
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
        "How pipeline and tailer threads idle when they have no work: spin, yield, sleep (parks up to 20 us), block (parks up to 1 ms). spin burns a core per thread.");
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
        "Input events between two checkpoints of all per-key state (captured by the pipeline thread at a batch boundary, written by the checkpoint thread meanwhile; and at shutdown); 0: at shutdown only.");
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

    /**
     * Like {@link #load(Path)} with {@code values} in place of a file's (a recorded run's configuration): system
     * properties and environment variables still take precedence.
     */
    public static VigilConfig fromFileValues(final Map<String, String> values) {
        for (final String name : values.keySet()) {
            if (find(name) == null) {
                throw new IllegalArgumentException("unknown configuration key '" + name + "'");
            }
        }
        return new VigilConfig(Map.copyOf(values), Map.of(), System.getenv(), System.getProperties());
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

    /** Defaults under the given environment and system properties: for tests of the look-ups. */
    static VigilConfig of(final Map<String, String> env, final Properties system) {
        return new VigilConfig(Map.of(), Map.of(), Map.copyOf(env), system);
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

    /** Environment variables starting with {@code VIGIL_} that are not configuration keys but are known. */
    private static final List<String> KNOWN_ENV = List.of("VIGIL_DEBUG", "VIGIL_JAVA_OPTS");

    /**
     * System properties that look like Vigil keys ({@code vigil.*}) and environment variables that look like them
     * ({@code VIGIL_*}) but are not known: most likely a typo that would otherwise be ignored in silence. One line
     * each, for a warning at start.
     */
    public List<String> unknownLookalikes() {
        final List<String> warnings = new ArrayList<>();
        for (final String name : system.stringPropertyNames()) {
            if (name.startsWith("vigil.") && find(name) == null) {
                warnings.add("system property " + name + " is not a Vigil configuration key (ignored)");
            }
        }
        for (final String name : env.keySet()) {
            if (name.startsWith("VIGIL_") && !KNOWN_ENV.contains(name) && findByEnv(name) == null) {
                warnings.add("environment variable " + name + " is not a Vigil configuration key (ignored)");
            }
        }
        Collections.sort(warnings);
        return warnings;
    }

    private static Key findByEnv(final String envName) {
        for (final Key key : KEYS) {
            if (key.envName().equals(envName)) {
                return key;
            }
        }
        return null;
    }

    /** Every key, in documentation order. */
    public static List<Key> keys() {
        return Collections.unmodifiableList(KEYS);
    }

    static Key find(final String name) {
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

    /** {@code true} or {@code false} (any case); anything else is an error naming the key. */
    public boolean bool(final Key key) {
        final String value = string(key).trim();
        if (value.equalsIgnoreCase("true")) {
            return true;
        }
        if (value.equalsIgnoreCase("false")) {
            return false;
        }
        throw invalid(key, "not true or false");
    }

    public double decimal(final Key key) {
        try {
            return Double.parseDouble(string(key));
        } catch (final NumberFormatException ex) {
            throw invalid(key, "not a number");
        }
    }

    /** A size in bytes with an optional k, m or g suffix (powers of 1024); see {@link Units#sizeBytes}. */
    public long size(final Key key) {
        try {
            return Units.sizeBytes(string(key));
        } catch (final IllegalArgumentException ex) {
            throw invalid(key, ex.getMessage());
        }
    }

    /** A duration in nanoseconds: a number and a unit ns, us, ms, s, m, h or d; see {@link Units#durationNs}. */
    public long durationNs(final Key key) {
        try {
            return Units.durationNs(string(key));
        } catch (final IllegalArgumentException ex) {
            throw invalid(key, ex.getMessage());
        }
    }

    public Path path(final Key key) {
        return Path.of(string(key));
    }

    private IllegalArgumentException invalid(final Key key, final String why) {
        return new IllegalArgumentException("configuration key " + key.name + " = '" + string(key) + "': " + why +
            " (from " + source(key) + ")");
    }

    /**
     * Checks every key's value once, at start, before anything is built from it: its type (number, duration, size,
     * true/false, one of a set) and its range (no zero connections, no negative durations, a ring of a power of two,
     * thresholds between 0 and 1...). Components still read their values later; this makes sure that none of them
     * finds a bad one halfway through a start.
     *
     * @return this configuration.
     * @throws IllegalArgumentException naming every bad key, its value and where it came from, on one line.
     */
    public VigilConfig validate() {
        final List<String> problems = new ArrayList<>();
        check(problems, () -> io.vigil.journal.Journals.rollCycle(string(ROLL_CYCLE)), ROLL_CYCLE);
        check(problems, () -> atLeast(DATA_FREE_MIN, size(DATA_FREE_MIN), 0), DATA_FREE_MIN);
        check(problems, () -> between(PORT, integer(PORT), 0, 65_535), PORT);
        check(problems, () -> bool(ALLOW_INSECURE), ALLOW_INSECURE);
        check(problems, () -> between(MAX_FRAME_BYTES, integer(MAX_FRAME_BYTES), io.vigil.codecs.Framing.MIN_FRAME_LENGTH, 65_536),
            MAX_FRAME_BYTES);
        for (final Key key : new Key[] {HEARTBEAT_INTERVAL, FRAME_TIMEOUT, LOGON_FAILURES_WINDOW, MAX_EVENT_AGE}) {
            check(problems, () -> atLeast(key, durationNs(key), 1), key);
        }
        for (final Key key : new Key[] {INFERENCE_BUDGET, MAX_FUTURE_SKEW}) {
            check(problems, () -> atLeast(key, durationNs(key), 0), key);
        }
        for (final Key key : new Key[] {MAX_CONNECTIONS, LOGON_FAILURES_MAX, INFERENCE_BATCH, EXPECTED_ACCOUNTS,
            EXPECTED_SERIES, CHECKPOINT_RETAIN, RESEND_WINDOW, RULE_DECLINE_HITS}) {
            check(problems, () -> atLeast(key, integer(key), 1), key);
        }
        for (final Key key : new Key[] {CLIENT_PENDING_BYTES, EGRESS_BUFFER_BYTES, MAX_AMOUNT_MINOR}) {
            check(problems, () -> atLeast(key, longValue(key), 1), key);
        }
        check(problems, () -> atLeast(CHECKPOINT_INTERVAL, longValue(CHECKPOINT_INTERVAL), 0), CHECKPOINT_INTERVAL);
        check(problems, () -> {
            final int ring = integer(RING_SIZE);
            if (ring < 2 || Integer.bitCount(ring) != 1) {
                throw invalid(RING_SIZE, "must be a power of two, at least 2");
            }
        }, RING_SIZE);
        check(problems, () -> WaitStrategies.check(string(WAIT_STRATEGY)), WAIT_STRATEGY);
        check(problems, () -> {
            final String cpus = string(CPU_AFFINITY).trim();
            if (!cpus.isEmpty() && !cpus.matches("\\d+( *, *\\d+)*")) {
                throw invalid(CPU_AFFINITY, "not a comma-separated list of cpu numbers");
            }
        }, CPU_AFFINITY);
        for (final Key key : new Key[] {RULE_MODEL_REVIEW, RULE_MODEL_DECLINE, RULE_ANOMALY_REVIEW}) {
            check(problems, () -> fraction(key), key);
        }
        for (final Key key : new Key[] {RULE_AMOUNT_Z, RULE_VELOCITY_Z}) {
            check(problems, () -> {
                final double z = decimal(key);
                if (!(z > 0) || Double.isInfinite(z)) {
                    throw invalid(key, "must be a positive number of standard deviations");
                }
            }, key);
        }
        if (problems.isEmpty() && decimal(RULE_MODEL_REVIEW) > decimal(RULE_MODEL_DECLINE)) {
            problems.add("configuration key " + RULE_MODEL_REVIEW.name + " = '" + string(RULE_MODEL_REVIEW) +
                "' is above " + RULE_MODEL_DECLINE.name + " = '" + string(RULE_MODEL_DECLINE) + "': review must not need " +
                "a higher score than decline");
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(String.join("; ", problems));
        }
        return this;
    }

    private void check(final List<String> problems, final Runnable check, final Key key) {
        try {
            check.run();
        } catch (final IllegalArgumentException ex) {
            final String message = ex.getMessage();
            problems.add(message != null && message.contains(key.name) ? message :
                "configuration key " + key.name + " = '" + string(key) + "': " + message + " (from " + source(key) + ")");
        }
    }

    private void atLeast(final Key key, final long value, final long min) {
        if (value < min) {
            throw invalid(key, min == 0 ? "must not be negative" : "must be at least " + min);
        }
    }

    private void between(final Key key, final long value, final long min, final long max) {
        if (value < min || value > max) {
            throw invalid(key, "must be between " + min + " and " + max);
        }
    }

    private void fraction(final Key key) {
        final double value = decimal(key);
        if (!(value >= 0 && value <= 1)) {
            throw invalid(key, "must be between 0 and 1");
        }
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
