package io.vigil.scoring.rules;

import io.vigil.scoring.features.FeatureSet;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Which feature of the running feature set each input of the decision rules and of the transaction anomaly score
 * reads, and which rules are off. Every input is named after the default feature it reads
 * ({@link #INPUTS}: {@code amount_z}, ...); by default it reads the running set's feature of that name, and
 * {@code vigil.rules.inputs} maps it to another. A rule that is {@linkplain #RULES off} reads none of its inputs, so
 * a feature set that lacks them runs. {@link #resolve} turns this into positions, once, at construction.
 *
 * <p><b>Thread safety:</b> immutable, thread-safe. Control plane only (allocates).
 *
 * @param features input → the feature it reads, for every input of {@link #INPUTS}.
 * @param off      the rules turned off, names of {@link #RULES}.
 */
public record RuleInputs(Map<String, String> features, Set<String> off) {
    public static final String AMOUNT_Z = "amount_z";
    public static final String VELOCITY_Z = "velocity_z";
    public static final String NEW_MERCHANT = "new_merchant";
    public static final String NEW_MERCHANT_RATE = "new_merchant_rate";
    public static final String COUNT_1H = "count_1h";
    public static final String SECS_SINCE_PREV = "secs_since_prev";
    public static final String LOG_EVENTS = "log_events";
    public static final String COUNT_1M = "count_1m";
    public static final String LOG_AMOUNT = "log_amount";

    /** Every input, in the order of {@link Resolved}'s positions. */
    public static final List<String> INPUTS = List.of(AMOUNT_Z, VELOCITY_Z, NEW_MERCHANT, NEW_MERCHANT_RATE, COUNT_1H,
        SECS_SINCE_PREV, LOG_EVENTS, COUNT_1M, LOG_AMOUNT);

    /** AMOUNT_ANOMALY. */
    public static final String RULE_AMOUNT = "amount";
    /** VELOCITY_ANOMALY. */
    public static final String RULE_VELOCITY = "velocity";
    /** MERCHANT_HOPPING. */
    public static final String RULE_HOPPING = "hopping";
    /** CARD_TESTING. */
    public static final String RULE_CARD_TESTING = "card_testing";
    /** The transaction anomaly score (and the review it triggers). */
    public static final String RULE_ANOMALY = "anomaly";

    /** Rule → the inputs it reads. */
    public static final Map<String, List<String>> RULES = rules();

    /** Every input reads the feature of its own name; every rule on. */
    public static final RuleInputs DEFAULTS = new RuleInputs(Map.of(), Set.of());

    public RuleInputs {
        final Map<String, String> all = new LinkedHashMap<>();
        for (final String input : INPUTS) {
            all.put(input, input);
        }
        for (final Map.Entry<String, String> e : features.entrySet()) {
            if (!all.containsKey(e.getKey())) {
                throw new IllegalArgumentException("unknown rule input '" + e.getKey() + "' (inputs: " +
                    String.join(", ", INPUTS) + ")");
            }
            all.put(e.getKey(), e.getValue());
        }
        features = java.util.Collections.unmodifiableMap(all);
        for (final String rule : off) {
            if (!RULES.containsKey(rule)) {
                throw new IllegalArgumentException("unknown rule '" + rule + "' (rules: " + String.join(", ", RULES.keySet()) +
                    ")");
            }
        }
        off = java.util.Collections.unmodifiableSet(new TreeSet<>(off));
    }

    private static Map<String, List<String>> rules() {
        final Map<String, List<String>> r = new LinkedHashMap<>();
        r.put(RULE_AMOUNT, List.of(AMOUNT_Z));
        r.put(RULE_VELOCITY, List.of(VELOCITY_Z));
        r.put(RULE_HOPPING, List.of(NEW_MERCHANT, NEW_MERCHANT_RATE, COUNT_1H, SECS_SINCE_PREV, LOG_EVENTS));
        r.put(RULE_CARD_TESTING, List.of(COUNT_1M, LOG_AMOUNT));
        r.put(RULE_ANOMALY, List.of(AMOUNT_Z, VELOCITY_Z));
        return java.util.Collections.unmodifiableMap(r);
    }

    /**
     * Parses the two configuration values.
     *
     * @param mapping comma-separated {@code input=feature}, e.g. {@code amount_z=amount_z_1d, count_1m=n_1m}; empty: none.
     * @param rulesOff comma-separated rule names; empty: none.
     * @throws IllegalArgumentException naming what is malformed or unknown.
     */
    public static RuleInputs parse(final String mapping, final String rulesOff) {
        final Map<String, String> features = new LinkedHashMap<>();
        for (final String part : mapping.split(",")) {
            final String p = part.trim();
            if (p.isEmpty()) {
                continue;
            }
            final int eq = p.indexOf('=');
            if (eq <= 0 || eq == p.length() - 1) {
                throw new IllegalArgumentException("'" + p + "' is not input=feature");
            }
            final String input = p.substring(0, eq).trim().toLowerCase(Locale.ROOT);
            if (features.put(input, p.substring(eq + 1).trim()) != null) {
                throw new IllegalArgumentException("rule input '" + input + "' mapped twice");
            }
        }
        final Set<String> off = new TreeSet<>();
        for (final String part : rulesOff.split(",")) {
            final String p = part.trim().toLowerCase(Locale.ROOT);
            if (!p.isEmpty()) {
                off.add(p);
            }
        }
        return new RuleInputs(features, off);
    }

    /** @return whether {@code rule} is on. */
    public boolean on(final String rule) {
        return !off.contains(rule);
    }

    /**
     * The position in {@code set}'s vector of every input an enabled rule reads.
     *
     * @throws IllegalArgumentException for the first enabled rule whose input the set lacks: naming the rule, the
     *                                  input, the feature, the set's names, and the two ways out.
     */
    public Resolved resolve(final FeatureSet set) {
        final int[] at = new int[INPUTS.size()];
        java.util.Arrays.fill(at, -1);
        final List<String> problems = new ArrayList<>();
        for (final Map.Entry<String, List<String>> rule : RULES.entrySet()) {
            if (!on(rule.getKey())) {
                continue;
            }
            for (final String input : rule.getValue()) {
                final String feature = features.get(input);
                final int p = set.indexOf(feature);
                if (p < 0) {
                    problems.add("rule " + rule.getKey() + " reads its input " + input + " from feature '" + feature +
                        "', which " + set.describe() + " does not emit");
                } else {
                    at[INPUTS.indexOf(input)] = p;
                }
            }
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(String.join("; ", problems) + " (it emits " + set.names() + "): map " +
                "each input to a feature of the set with vigil.rules.inputs (input=feature,...), or turn the rule off with " +
                "vigil.rules.off (" + String.join(", ", RULES.keySet()) + ")");
        }
        return new Resolved(this, at);
    }

    /** The inputs' positions in one feature set's vector; -1 for an input no enabled rule reads. */
    public record Resolved(RuleInputs inputs, int[] at) {
        /** @return the position of {@code input} ({@link #INPUTS}), -1 when unread. */
        public int at(final String input) {
            return at[INPUTS.indexOf(input)];
        }
    }

    @Override
    public String toString() {
        final StringBuilder s = new StringBuilder();
        for (final Map.Entry<String, String> e : features.entrySet()) {
            if (!e.getKey().equals(e.getValue())) {
                s.append(s.length() == 0 ? "" : ",").append(e.getKey()).append('=').append(e.getValue());
            }
        }
        return "inputs[" + s + "] off" + off;
    }
}
