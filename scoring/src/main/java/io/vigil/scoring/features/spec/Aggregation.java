package io.vigil.scoring.features.spec;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The aggregations a feature can compute over an entity key's events, with the parameters each accepts. docs/features.md
 * defines each one exactly.
 */
public enum Aggregation {
    COUNT(true, false, Set.of()),
    SUM(true, true, Set.of()),
    MEAN(true, true, Set.of()),
    MIN(true, true, Set.of()),
    MAX(true, true, Set.of()),
    /** Population standard deviation. */
    STDDEV(true, true, Set.of()),
    /** HyperLogLog with 2^precision one-byte registers per window bucket. */
    DISTINCT(true, true, Set.of("precision")),
    /** Linear counting over a bitmap of {@code bits} bits per window bucket. */
    DISTINCT_BITMAP(true, true, Set.of("bits")),
    /** 1 when the value's bit is set in no bucket of the window before this event, else 0 (a bitmap, {@code bits}). */
    NEW_VALUE(true, true, Set.of("bits")),
    /** The value of the key's latest earlier event (in event time); {@code initial} before any. */
    LAST(false, true, Set.of("initial")),
    /** Seconds since the key's latest earlier event time, capped at {@code max}; 0 for a late event. */
    TIME_SINCE_LAST(false, false, Set.of("max", "initial")),
    /** Events, each weighing {@code 2^(-age / half_life)}. */
    DECAYED_COUNT(false, false, Set.of("half_life")),
    /** The sum of the value, each weighing {@code 2^(-age / half_life)}. */
    DECAYED_SUM(false, true, Set.of("half_life")),
    /** Per-event exponentially weighted mean, this event included ({@code alpha}). */
    EWMA(false, true, Set.of("alpha")),
    /** The EWMA of a clipped exponentially weighted mean/variance pair before this event's update. */
    EWM_MEAN(false, true, Set.of("alpha", "clip_stds", "std_floor", "initial_variance")),
    /** The z-score of the value against the EWMA/EWMV pair before this event's update. */
    EWM_ZSCORE(false, true, Set.of("alpha", "clip_stds", "std_floor", "initial_variance"));

    private final boolean windowed;
    private final boolean needsInput;
    private final Set<String> params;

    Aggregation(final boolean windowed, final boolean needsInput, final Set<String> params) {
        this.windowed = windowed;
        this.needsInput = needsInput;
        this.params = params;
    }

    /** @return whether it needs a window (else a window is an error). */
    public boolean windowed() {
        return windowed;
    }

    /** @return whether it needs an input ({@code of}). */
    public boolean needsInput() {
        return needsInput;
    }

    /** @return the parameters it accepts. */
    public Set<String> params() {
        return params;
    }

    public String specName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** @return the aggregation named {@code name}, or null. */
    public static Aggregation byName(final String name) {
        for (final Aggregation a : values()) {
            if (a.specName().equals(name)) {
                return a;
            }
        }
        return null;
    }

    public static String names() {
        return Arrays.stream(values()).map(Aggregation::specName).collect(Collectors.joining(", "));
    }

    /** The derived (stateless) features: functions of other features of the same event. */
    public enum Derivation {
        /** {@code of: [a, b]}: a / b; {@code on_zero} (default 0) when b is 0. */
        RATIO(2, Set.of("on_zero")),
        /** {@code of: [a, b]}: a - b. */
        DIFFERENCE(2, Set.of()),
        /** {@code of: [x, mean, std]}: (x - mean) / max(std, std_floor); 0 when the divisor is 0. */
        ZSCORE(3, Set.of("std_floor"));

        private final int operands;
        private final Set<String> params;

        Derivation(final int operands, final Set<String> params) {
            this.operands = operands;
            this.params = params;
        }

        public int operands() {
            return operands;
        }

        public Set<String> params() {
            return params;
        }

        public String specName() {
            return name().toLowerCase(Locale.ROOT);
        }

        public static Derivation byName(final String name) {
            for (final Derivation d : values()) {
                if (d.specName().equals(name)) {
                    return d;
                }
            }
            return null;
        }

        public static String names() {
            return List.of(values()).stream().map(Derivation::specName).collect(Collectors.joining(", "));
        }
    }
}
