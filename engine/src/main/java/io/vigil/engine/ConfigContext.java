package io.vigil.engine;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/**
 * The base of a module's configuration context, in the manner of Aeron's {@code MediaDriver.Context}: seeded from a
 * {@link VigilConfig}, changed by the module's fluent setters (tests, embedding), then concluded once. Concluding
 * parses and checks every value of the module's keys, names every bad one in one {@link ConfigurationException}, and
 * freezes the context: reading a value before {@code conclude()} and setting one after are errors
 * ({@link IllegalStateException}); a second {@code conclude()} does nothing. A component takes its context and
 * concludes it at start.
 *
 * <p>A setter stores its value as text over the seed, so that a value set in code is checked, reported and recorded
 * (run context) like one from a file. Not thread-safe while being set; immutable, and safe to share, once concluded.
 * Allocates; never on the hot path (components read the values once, at construction).
 */
public abstract class ConfigContext {
    private final VigilConfig seed;
    private final Map<String, String> set = new LinkedHashMap<>();
    private VigilConfig config;
    private boolean concluded;

    protected ConfigContext(final VigilConfig seed) {
        this.seed = Objects.requireNonNull(seed, "seed");
    }

    /** The keys this context reads, its module's. */
    protected abstract List<VigilConfig.Key> keys();

    /** Reads every value of {@link #keys()} from {@code values} into the context's fields; problems go to it. */
    protected abstract void read(Values values);

    /** Sets a key's value as text, over every source of the seed; the module's setters call it. */
    protected final void set(final VigilConfig.Key key, final String value) {
        if (concluded) {
            throw new IllegalStateException(getClass().getSimpleName() + " is concluded: " + key.name() +
                " can no longer be set");
        }
        set.put(key.name(), Objects.requireNonNull(value, key.name()));
    }

    /** For the getters: a value is read only after {@code conclude()}. */
    protected final void requireConcluded() {
        if (!concluded) {
            throw new IllegalStateException(getClass().getSimpleName() + " is not concluded: call conclude() first");
        }
    }

    /** Reads and checks every value, once. */
    protected final void concludeOnce() {
        if (concluded) {
            return;
        }
        final VigilConfig effective = set.isEmpty() ? seed : seed.with(set);
        final Values values = new Values(effective);
        read(values);
        if (!values.problems.isEmpty()) {
            throw new ConfigurationException(values.problems);
        }
        this.config = effective;
        this.concluded = true;
    }

    public final boolean isConcluded() {
        return concluded;
    }

    /** The configuration concluded from: the seed with what was set on this context. */
    public final VigilConfig config() {
        requireConcluded();
        return config;
    }

    /** The effective text of each of this context's keys, for recording them beside another module's. */
    public final Map<String, String> values() {
        requireConcluded();
        final Map<String, String> values = new LinkedHashMap<>();
        for (final VigilConfig.Key key : keys()) {
            values.put(key.name(), config.string(key));
        }
        return values;
    }

    /**
     * The values a context reads while it concludes: each accessor parses and checks one key and, when the value is
     * bad, notes the problem (key, value, where it came from) and returns a harmless stand-in, so that one
     * {@code conclude()} names every bad key.
     */
    public static final class Values {
        private final VigilConfig config;
        private final List<String> problems = new ArrayList<>();

        Values(final VigilConfig config) {
            this.config = config;
        }

        /** The configuration the values come from. */
        public VigilConfig config() {
            return config;
        }

        /** Whether no problem was found so far (a check across keys runs only on sound values). */
        public boolean sound() {
            return problems.isEmpty();
        }

        /** A problem that involves more than one key, worded by the caller. */
        public void problem(final String text) {
            problems.add(text);
        }

        /** Notes that {@code key}'s value is bad for {@code why}. */
        public void invalid(final VigilConfig.Key key, final String why) {
            problems.add(config.invalid(key, why).getMessage());
        }

        public String string(final VigilConfig.Key key) {
            return config.string(key);
        }

        /**
         * The value parsed by {@code parser}; an {@link IllegalArgumentException} it throws is the problem (its message
         * is taken as it is when it names the key).
         */
        public <T> T parse(final VigilConfig.Key key, final Function<String, T> parser, final T fallback) {
            try {
                return parser.apply(config.string(key));
            } catch (final IllegalArgumentException ex) {
                final String message = ex.getMessage();
                problems.add(message != null && message.contains(key.name()) ? message :
                    config.invalid(key, String.valueOf(message)).getMessage());
                return fallback;
            }
        }

        public boolean bool(final VigilConfig.Key key) {
            return parse(key, s -> config.bool(key), false);
        }

        /** An int (sizes' suffixes allowed) between {@code min} and {@code max}. */
        public int integer(final VigilConfig.Key key, final int min, final int max) {
            final Integer value = parse(key, s -> config.integer(key), null);
            if (value == null) {
                return min;
            }
            return (int)range(key, value, min, max);
        }

        /** An int (sizes' suffixes allowed) of at least {@code min}. */
        public int integer(final VigilConfig.Key key, final int min) {
            final Integer value = parse(key, s -> config.integer(key), null);
            return value == null ? min : (int)atLeast(key, value, min);
        }

        /** A long or size in bytes ({@code k m g}) of at least {@code min}. */
        public long size(final VigilConfig.Key key, final long min) {
            final Long value = parse(key, s -> config.size(key), null);
            return value == null ? min : atLeast(key, value, min);
        }

        /** A duration in nanoseconds of at least {@code minNs}. */
        public long durationNs(final VigilConfig.Key key, final long minNs) {
            final Long value = parse(key, s -> config.durationNs(key), null);
            return value == null ? minNs : atLeast(key, value, minNs);
        }

        /** A number between 0 and 1. */
        public double fraction(final VigilConfig.Key key) {
            final Double value = parse(key, s -> config.decimal(key), null);
            if (value == null) {
                return 0;
            }
            if (!(value >= 0 && value <= 1)) {
                invalid(key, "must be between 0 and 1");
            }
            return value;
        }

        /** A positive, finite number. */
        public double positive(final VigilConfig.Key key, final String why) {
            final Double value = parse(key, s -> config.decimal(key), null);
            if (value == null) {
                return 1;
            }
            if (!(value > 0) || Double.isInfinite(value)) {
                invalid(key, why);
            }
            return value;
        }

        private long atLeast(final VigilConfig.Key key, final long value, final long min) {
            if (value < min) {
                invalid(key, min == 0 ? "must not be negative" : "must be at least " + min);
                return min;
            }
            return value;
        }

        private long range(final VigilConfig.Key key, final long value, final long min, final long max) {
            if (value < min || value > max) {
                invalid(key, "must be between " + min + " and " + max);
                return min;
            }
            return value;
        }
    }
}
