package io.vigil.engine;

import io.vigil.scoring.rules.RulesConfig;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.ServiceLoader;

/**
 * The lookup of Vigil's configuration keys, and the engine's own keys.
 *
 * <p>Each module declares its keys in its own configuration class: the engine's are the constants below, another
 * module's are in a class it contributes as a {@link ConfigKeys} service ({@code META-INF/services}), so that
 * {@link #keys()}, the check for unknown keys and the run context see every key of every module on the class path.
 * Each module reads and checks its values in its own {@link ConfigContext} ({@link EngineContext} for the engine's),
 * concluded once at start; {@link #validate()} concludes every module's.
 *
 * <p>A value is looked up, first match wins, in: a Java system property with the key's name
 * ({@code -Dvigil.port=7080}); an environment variable named after the key in upper case with dots as underscores
 * ({@code VIGIL_PORT=7080}); the config file given to {@code vigil run --config FILE} (Java properties format);
 * the default. Durations take a unit ({@code ns us ms s m h d}; only {@code 0} may go without), sizes
 * {@code k m g}, both parsed by {@link Units}. A malformed value is an {@link IllegalArgumentException} naming the key.
 *
 * <p>Immutable and thread-safe once built. Allocates when built and on lookups; never used on the hot path
 * (components read their values once, at construction).
 */
public final class VigilConfig {
    /** One documented key. */
    public static final class Key {
        /** What the run context does with a key's value. */
        public enum Recording {
            /** Recorded at start and taken over by a replay: it may change what is decided. */
            REPLAYED,
            /** Recorded, never taken over by a replay: where and how the run listened, not what it decided. */
            LOCAL,
            /** Never recorded, hidden when described, never replayed: a secret. */
            SECRET
        }

        private final String name;
        private final String defaultValue;
        private final String description;
        private final String module;
        private final Recording recording;

        private Key(final String name, final String defaultValue, final String description, final String module,
            final Recording recording) {
            this.name = name;
            this.defaultValue = defaultValue;
            this.description = description;
            this.module = module;
            this.recording = recording;
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

        /** The module that declares this key ({@code engine}, {@code gateway}...). */
        public String module() {
            return module;
        }

        public Recording recording() {
            return recording;
        }

        /** The environment variable that overrides this key. */
        public String envName() {
            return name.toUpperCase(Locale.ROOT).replace('.', '_');
        }

        @Override
        public String toString() {
            return name;
        }
    }

    /**
     * A module's keys in declaration (documentation) order: a module's configuration class declares each key through
     * one, and its {@link ConfigKeys#keys()} returns {@link #keys()}.
     */
    public static final class KeyList {
        private final String module;
        private final List<Key> keys = new ArrayList<>();

        public KeyList(final String module) {
            this.module = module;
        }

        /** A key that the run context records and a replay takes over. */
        public Key add(final String name, final String defaultValue, final String description) {
            return add(name, defaultValue, description, Key.Recording.REPLAYED);
        }

        public Key add(final String name, final String defaultValue, final String description,
            final Key.Recording recording) {
            if (!name.startsWith("vigil.")) {
                throw new IllegalArgumentException("configuration key " + name + " does not start with vigil.");
            }
            final Key key = new Key(name, defaultValue, description, module, recording);
            keys.add(key);
            return key;
        }

        public String module() {
            return module;
        }

        public List<Key> keys() {
            return Collections.unmodifiableList(keys);
        }
    }

    /** The engine's keys; the module name in the README's table. */
    public static final String ENGINE_MODULE = "engine";
    private static final KeyList ENGINE_KEYS = new KeyList(ENGINE_MODULE);

    private static Key key(final String name, final String defaultValue, final String description) {
        return ENGINE_KEYS.add(name, defaultValue, description);
    }

    // --- data and journals ---
    public static final Key DATA_DIR = ENGINE_KEYS.add("vigil.data.dir", "./vigil-data",
        "Directory holding the input/, output/ and dlq/ journals.", Key.Recording.LOCAL);
    public static final Key ROLL_CYCLE = key("vigil.journal.roll.cycle", "FAST_HOURLY",
        "Chronicle roll cycle of every journal (FAST_HOURLY, FAST_DAILY, ...).");
    public static final Key DATA_FREE_MIN = key("vigil.data.free.min", "16m",
        "Least free space the data directory's file system must have for the server to start; 0: no check.");

    // --- wire (the gateway accepts frames up to it; the ring's slots and a replay's records are sized by it) ---
    public static final Key MAX_FRAME_BYTES = key("vigil.max.frame.bytes", "512",
        "Largest frame accepted; a longer one is rejected and the connection closed.");

    // --- pipeline ---
    public static final Key RING_SIZE = key("vigil.ring.size", "16384",
        "Slots in the Disruptor ring (power of two).");
    public static final Key WAIT_STRATEGY = key("vigil.wait.strategy", "sleep",
        "How pipeline and tailer threads idle when they have no work: spin, yield, sleep (after work spins, yields 100 times, then parks up to 20 us), block (the same, parking up to 1 ms). spin burns a core per thread.");
    public static final Key FEED = key("vigil.pipeline.feed", "inline",
        "Who moves journaled events into the pipeline's ring: inline (the gateway's network thread, right after its own append: no thread wake-up between journal and pipeline; the tailer thread then only catches up: recovery, records of other writers such as vigil rules set, a ring that was full) or tailer (the tailer thread moves every record).");
    public static final Key INLINE_MAX = key("vigil.pipeline.inline.max", "64",
        "With vigil.pipeline.feed=inline: when the pipeline thread is idle and at most this many events wait in the ring after a read, the gateway's network thread runs them through the pipeline itself and their answers go out in the same turn of its event loop (no thread wake-up on the way in or out; one thread owns the state at a time); more waiting, or the pipeline thread busy, leaves them to the pipeline thread. 0: the pipeline thread runs every event.");
    public static final Key TIMER_SLACK = key("vigil.timer.slack", "1us",
        "Linux timer slack of the tailer and pipeline threads: how late the kernel may end their parks (its default, 50us, adds that much to the wake-up of a quiet pipeline); 0: leave the system's.");
    public static final Key CPU_AFFINITY = key("vigil.cpu.affinity", "",
        "Comma-separated CPUs to pin the tailer and pipeline threads to, in that order; empty: no pinning.");
    public static final Key WATCHDOG_STALL_TIMEOUT = key("vigil.watchdog.stall.timeout", "10s",
        "The tailer or pipeline thread is reported stalled (log, counter, Engine.health()) when its duty cycle has not advanced for this long while it has work; a dead thread is reported at once.");
    public static final Key INFERENCE_BATCH = key("vigil.inference.batch.max", "64",
        "Most events scored by one ONNX call; a batch also ends with the Disruptor batch.");
    public static final Key INFERENCE_BUDGET = key("vigil.inference.budget", "100ms",
        "A batch whose ONNX call takes longer is decided by the rules alone, with reason MODEL_FALLBACK; 0 disables.");
    public static final Key MODEL_PATH = key("vigil.model.path", "",
        "ONNX model file; empty: the model bundled with Vigil (it reads the default's 14 features); none: no model, every transaction is decided by the rules and the anomaly score alone (reason MODEL_FALLBACK).");
    public static final Key EXPECTED_ACCOUNTS = key("vigil.features.expected.accounts", "65536",
        "Accounts the feature state is pre-sized for (it grows past this).");
    public static final Key FEATURES_SERVE = ENGINE_KEYS.add("vigil.features.serve", "true",
        "Whether the pipeline publishes each event's feature vector for GET /features/..., the RESP server and the Redis mirror (docs/feature-serving.md); false saves its cost per event (about 0.1 us at p50 on a loaded 2-vCPU machine) and those endpoints answer that serving is off.",
        Key.Recording.LOCAL);
    public static final Key FEATURES_SPEC = key("vigil.features.spec", "",
        "Feature definition file (YAML, docs/features.md) the pipeline computes; empty: the built-in default (the 14 txf-1 features, computed by the hand-written TransactionFeatures, which the compiled default equals and outruns). Any definition runs, of any width: the rules, the anomaly score and the model find the features they read by name (vigil.rules.inputs, the model's vigil.feature_names), and start is refused, naming them, when it lacks one; it is compiled at start and its hash is checked against checkpoints and models.");
    public static final Key EXPECTED_SERIES = key("vigil.metrics.expected.series", "1024",
        "Metric series the anomaly state is pre-sized for (it grows past this).");

    // --- event time (docs/event-time.md) ---
    public static final Key WATERMARK_MAX_OUT_OF_ORDERNESS = key("vigil.watermark.max.out.of.orderness", "5s",
        "Bound on how far a source's events may arrive out of event-time order: a source's watermark is its largest event time minus this; an event behind the pipeline's watermark (the least of the active sources') is late. Carried into the input journal by the watermark ticks, which replays follow.");
    public static final Key WATERMARK_IDLE_TIMEOUT = key("vigil.watermark.idle.timeout", "30s",
        "A source (tenant, client) that journaled no event for this long stops holding the watermark back, at the next watermark tick; 0: sources never turn idle.");
    public static final Key WATERMARK_TICK_INTERVAL = key("vigil.watermark.tick.interval", "1s",
        "How often the gateway appends a WatermarkTick control record (its wall-clock observation for idle sources, and the policy above) while events flow, and until an idle timeout after the last; one is appended at start. 0: none, so event time (watermarks, lateness, window results) stays off.");
    public static final Key LATENESS_ALLOWED = key("vigil.lateness.allowed", "unbounded",
        "How far behind the watermark an event may arrive and still be applied (answered with LATE_EVENT); a later one is answered TOO_LATE, not applied, and written to the late/ journal. unbounded: every late event is applied. A feature definition (vigil.features.spec) that declares allowed_lateness sets it instead; setting this key to a value other than unbounded and the definition's then fails at start.");
    public static final Key WINDOWS_ACCOUNT_SIZE = key("vigil.windows.account.size", "0",
        "Size of the built-in per-account tumbling window (count and amount sum) whose results go to the windows/ journal when the watermark passes their end, e.g. 1m; 0: none (it costs the pipeline a second per-account lookup per event, ~10% of replay throughput).");
    public static final Key WATERMARK_EXPECTED_SOURCES = key("vigil.watermark.expected.sources", "64",
        "Sources (tenant, client) the watermark table is pre-sized for (it grows past this).");

    // --- checkpoints and recovery ---
    public static final Key CHECKPOINT_DIR = key("vigil.checkpoint.dir", "",
        "Directory of the state checkpoints; empty: checkpoints/ under the data directory.");
    public static final Key CHECKPOINT_INTERVAL = key("vigil.checkpoint.interval.events", "1000000",
        "Input events between two checkpoints of all per-key state (captured by the pipeline thread at a batch boundary, written by the checkpoint thread meanwhile; and at shutdown); 0: at shutdown only.");
    public static final Key CHECKPOINT_RETAIN = key("vigil.checkpoint.retain", "3",
        "Newest checkpoints kept; older ones are deleted after each write.");

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
    public static final Key RULE_INPUTS = key("vigil.rules.inputs", "",
        "Which feature of the running feature set each rule input reads, comma-separated input=feature (inputs: amount_z, velocity_z, new_merchant, new_merchant_rate, count_1h, secs_since_prev, log_events, count_1m, log_amount); an input not named reads the feature of its own name. Start is refused, naming the rule, when an enabled rule's feature is not in the set.");
    public static final Key RULE_OFF = key("vigil.rules.off", "",
        "Rules turned off, comma-separated: amount (AMOUNT_ANOMALY), velocity (VELOCITY_ANOMALY), hopping (MERCHANT_HOPPING), card_testing (CARD_TESTING), anomaly (the transaction anomaly score and its review); an off rule reads no feature, so a feature set without its inputs runs.");

    /** Every module's keys, found once, on first use: the engine's, then each {@link ConfigKeys} service's by module. */
    private static final class Registry {
        static final List<ConfigKeys> MODULES;
        static final List<Key> KEYS;
        static final Map<String, Key> BY_NAME;
        static final Map<String, Key> BY_ENV;

        static {
            final List<ConfigKeys> modules = new ArrayList<>();
            for (final ConfigKeys module : ServiceLoader.load(ConfigKeys.class, VigilConfig.class.getClassLoader())) {
                modules.add(module);
            }
            modules.sort(Comparator.comparing(ConfigKeys::module));
            final List<Key> keys = new ArrayList<>(ENGINE_KEYS.keys());
            for (final ConfigKeys module : modules) {
                keys.addAll(module.keys());
            }
            final Map<String, Key> byName = new LinkedHashMap<>();
            final Map<String, Key> byEnv = new LinkedHashMap<>();
            for (final Key key : keys) {
                final Key before = byName.putIfAbsent(key.name, key);
                if (before != null || byEnv.putIfAbsent(key.envName(), key) != null) {
                    throw new IllegalStateException("configuration key " + key.name + " of module " + key.module +
                        " is declared twice (or clashes with another as an environment variable)" +
                        (before != null ? ", also by module " + before.module : ""));
                }
            }
            MODULES = List.copyOf(modules);
            KEYS = List.copyOf(keys);
            BY_NAME = byName;
            BY_ENV = byEnv;
        }

        private Registry() {
        }
    }

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
        return Registry.BY_ENV.get(envName);
    }

    /** Every key of every module on the class path: the engine's first, then each other module's, by module name. */
    public static List<Key> keys() {
        return Registry.KEYS;
    }

    /** The modules that contribute keys through {@link ConfigKeys}, by module name (the engine's are not among them). */
    static List<ConfigKeys> modules() {
        return Registry.MODULES;
    }

    static Key find(final String name) {
        return Registry.BY_NAME.get(name);
    }

    /**
     * The README's configuration table: one row per key of {@link #keys()}, in that order. {@code vigil config keys
     * --markdown} prints it; a test of the cli module (which sees every module) checks the README holds exactly this.
     */
    public static String markdownTable() {
        final StringBuilder sb = new StringBuilder();
        sb.append("| key | module | environment | default | meaning |\n");
        sb.append("|---|---|---|---|---|\n");
        for (final Key key : keys()) {
            sb.append("| `").append(key.name).append("` | ").append(key.module).append(" | `").append(key.envName())
                .append("` | `").append(key.defaultValue).append("` | ").append(key.description.replace("|", "\\|"))
                .append(" |\n");
        }
        return sb.toString();
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

    IllegalArgumentException invalid(final Key key, final String why) {
        return new IllegalArgumentException("configuration key " + key.name + " = '" + string(key) + "': " + why +
            " (from " + source(key) + ")");
    }

    /**
     * Checks every key's value once, at start, before anything is built from it: concludes the engine's context and
     * every other module's ({@link ConfigKeys#conclude}) on this configuration, which check each value's type
     * (number, duration, size, true/false, one of a set) and range (no zero connections, no negative durations, a
     * ring of a power of two, thresholds between 0 and 1...).
     *
     * @return this configuration.
     * @throws ConfigurationException naming every bad key of every module, its value and where it came from, on one
     *                                line ({@link ConfigurationException#problems()} has them one by one).
     */
    public VigilConfig validate() {
        final List<String> problems = new ArrayList<>();
        collect(problems, () -> new EngineContext(this).conclude());
        for (final ConfigKeys module : modules()) {
            collect(problems, () -> module.conclude(this));
        }
        if (!problems.isEmpty()) {
            throw new ConfigurationException(problems);
        }
        return this;
    }

    private static void collect(final List<String> problems, final Runnable conclude) {
        try {
            conclude.run();
        } catch (final ConfigurationException ex) {
            problems.addAll(ex.problems());
        }
    }

    /** The effective configuration, one {@code key = value (source)} line per key, for start-up logs. */
    public String describe() {
        final StringBuilder sb = new StringBuilder();
        for (final Key key : keys()) {
            String value = string(key);
            if (key.recording == Key.Recording.SECRET) {
                value = "*".repeat(Math.min(8, value.length()));
            }
            sb.append("  ").append(key.name).append(" = ").append(value)
                .append("  (").append(source(key)).append(")\n");
        }
        return sb.toString();
    }
}
