package io.vigil.scoring.features.spec;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;

import io.vigil.scoring.features.spec.FeatureSpec.Feature;
import io.vigil.scoring.features.spec.FeatureSpec.Kind;
import io.vigil.scoring.features.spec.FeatureSpec.Step;
import io.vigil.scoring.features.spec.FeatureSpec.Window;
import io.vigil.scoring.features.spec.FeatureSpec.WindowType;

/** Reads a feature definition (YAML, through Jackson) and validates it into a {@link FeatureSpec}. Stateless. */
final class FeatureSpecParser {
    /** The most buckets one sliding window may have (its live-bucket mask is one long). */
    static final int MAX_BUCKETS = 64;
    private static final Pattern NAME = Pattern.compile("[a-z_][a-z0-9_]*");
    private static final Pattern DURATION = Pattern.compile("(\\d+)(ns|us|ms|s|m|h|d)");
    private static final Set<String> ROOT_KEYS = Set.of("name", "version", "key", "windows", "features",
        "allowed_lateness");
    private static final Set<String> FEATURE_KEYS = Set.of("name", "key", "emit", "value", "aggregate", "of", "window",
        "derive", "transform", "exclude_current");
    /** Parameters given as durations (stored in nanoseconds). */
    private static final Set<String> DURATION_PARAMS = Set.of("half_life");

    private FeatureSpecParser() {
    }

    static FeatureSpec parse(final String text, final String origin) {
        final JsonNode root;
        try {
            root = new YAMLMapper().readTree(text);
        } catch (final JsonProcessingException e) {
            throw new FeatureSpecException(origin + ": not valid YAML: " + e.getOriginalMessage());
        }
        if (root == null || !root.isObject()) {
            throw new FeatureSpecException(origin + ": a feature definition is a mapping (name, version, key, windows, features)");
        }
        unknownKeys(root, ROOT_KEYS, origin + ":");
        final String name = requiredText(root, "name", origin + ":");
        final String version = requiredText(root, "version", origin + ":");
        final List<Field> key = keyFields(root.get("key"), origin + ": key");

        final Map<String, Window> windows = new LinkedHashMap<>();
        final JsonNode ws = root.get("windows");
        if (ws != null && !ws.isNull()) {
            if (!ws.isObject()) {
                throw new FeatureSpecException(origin + ": windows is a mapping of window name to window");
            }
            for (final Map.Entry<String, JsonNode> e : ws.properties()) {
                windows.put(e.getKey(), window(e.getKey(), e.getValue()));
            }
        }

        final JsonNode fs = root.get("features");
        if (fs == null || !fs.isArray() || fs.isEmpty()) {
            throw new FeatureSpecException(origin + ": features must be a non-empty list");
        }
        final List<Feature> features = new ArrayList<>();
        final Set<String> names = new HashSet<>();
        int i = 0;
        for (final JsonNode f : fs) {
            final Feature feature = feature(f, i++, key, windows);
            if (!names.add(feature.name())) {
                throw new FeatureSpecException("feature '" + feature.name() + "': duplicate name");
            }
            features.add(feature);
        }
        checkReferences(features);
        final FeatureSpec spec = new FeatureSpec(name, version, key, windows, features, lateness(root, origin + ":"));
        if (spec.width() == 0) {
            throw new FeatureSpecException(origin + ": no feature is emitted (every feature has emit: false)");
        }
        return spec;
    }

    private static Window window(final String name, final JsonNode w) {
        final String where = "window '" + name + "':";
        if (!w.isObject()) {
            throw new FeatureSpecException(where + " a window is a mapping with a type");
        }
        final String type = requiredText(w, "type", where);
        switch (type) {
            case "sliding":
            case "hopping": {
                unknownKeys(w, Set.of("type", "size", "step"), where);
                final long size = duration(w, "size", where, true);
                final long step = duration(w, "step", where, true);
                if (size % step != 0) {
                    throw new FeatureSpecException(where + " size " + text(w, "size") + " is not a multiple of step " + text(w, "step"));
                }
                final long buckets = size / step;
                if (buckets > MAX_BUCKETS) {
                    throw new FeatureSpecException(where + " " + buckets + " buckets (size / step); at most " + MAX_BUCKETS +
                        ": make the step larger");
                }
                return new Window(name, WindowType.SLIDING, size, step, 0);
            }
            case "tumbling": {
                unknownKeys(w, Set.of("type", "size"), where);
                final long size = duration(w, "size", where, true);
                return new Window(name, WindowType.TUMBLING, size, size, 0);
            }
            case "session": {
                unknownKeys(w, Set.of("type", "gap"), where);
                return new Window(name, WindowType.SESSION, 0, 0, duration(w, "gap", where, true));
            }
            case "since_first_seen":
                unknownKeys(w, Set.of("type"), where);
                return new Window(name, WindowType.SINCE_FIRST_SEEN, 0, 0, 0);
            default:
                throw new FeatureSpecException(where + " unknown type '" + type +
                    "' (known: sliding, hopping, tumbling, session, since_first_seen)");
        }
    }

    private static Feature feature(final JsonNode f, final int index, final List<Field> defaultKey,
                                   final Map<String, Window> windows) {
        if (!f.isObject()) {
            throw new FeatureSpecException("feature #" + index + ": a feature is a mapping with a name");
        }
        final JsonNode nameNode = f.get("name");
        if (nameNode == null || !nameNode.isTextual() || !NAME.matcher(nameNode.asText()).matches()) {
            throw new FeatureSpecException("feature #" + index + ": name missing or not of the form [a-z_][a-z0-9_]*");
        }
        final String name = nameNode.asText();
        final String where = "feature '" + name + "':";
        if (Field.byName(name) != null && !(f.path("value").asText().equals(name) && !f.has("transform") && !f.has("aggregate") &&
            !f.has("derive"))) {
            throw new FeatureSpecException(where + " the name of an event field: only value: " + name +
                " (untransformed) may be called so; choose another name");
        }
        final List<Field> key = f.has("key") ? keyFields(f.get("key"), where + " key") : defaultKey;
        final boolean emit = !f.has("emit") || bool(f, "emit", where);
        final boolean hasValue = f.has("value");
        final boolean hasAggregate = f.has("aggregate");
        final boolean hasDerive = f.has("derive");
        if ((hasValue ? 1 : 0) + (hasAggregate ? 1 : 0) + (hasDerive ? 1 : 0) != 1) {
            throw new FeatureSpecException(where + " needs exactly one of value, aggregate, derive");
        }
        final List<Step> transform = transform(f.get("transform"), where);
        final Map<String, Double> params = new HashMap<>();

        if (hasValue) {
            onlyKeys(f, Set.of(), where, "a value feature");
            return new Feature(name, Kind.VALUE, key, emit, reference(f, "value", where), null, null, null, List.of(),
                params, transform, false);
        }
        if (hasDerive) {
            final String d = requiredText(f, "derive", where);
            final Aggregation.Derivation derivation = Aggregation.Derivation.byName(d);
            if (derivation == null) {
                throw new FeatureSpecException(where + " unknown derivation '" + d + "' (known: " + Aggregation.Derivation.names() + ")");
            }
            onlyKeys(f, derivation.params(), where, "derive: " + d);
            final JsonNode of = f.get("of");
            if (of == null || !of.isArray() || of.size() != derivation.operands()) {
                throw new FeatureSpecException(where + " derive: " + d + " needs of: a list of " + derivation.operands() + " features");
            }
            final List<String> operands = new ArrayList<>();
            for (final JsonNode o : of) {
                if (!o.isTextual()) {
                    throw new FeatureSpecException(where + " of: names features, found " + o);
                }
                operands.add(o.asText());
            }
            params.put("on_zero", 0.0);
            params.put("std_floor", 0.0);
            params.keySet().retainAll(derivation.params());
            readParams(f, derivation.params(), params, where);
            if (params.containsKey("std_floor") && !(params.get("std_floor") >= 0)) {
                throw new FeatureSpecException(where + " std_floor must be >= 0");
            }
            return new Feature(name, Kind.DERIVED, key, emit, null, null, null, derivation, operands, params, transform, false);
        }

        final String a = requiredText(f, "aggregate", where);
        final Aggregation agg = Aggregation.byName(a);
        if (agg == null) {
            throw new FeatureSpecException(where + " unknown aggregation '" + a + "' (known: " + Aggregation.names() + ")");
        }
        onlyKeys(f, agg.params(), where, "aggregate: " + a);
        String window = null;
        if (agg.windowed()) {
            if (!f.has("window")) {
                throw new FeatureSpecException(where + " aggregate: " + a + " needs a window (one of " + windows.keySet() + ")");
            }
            window = requiredText(f, "window", where);
            if (!windows.containsKey(window)) {
                throw new FeatureSpecException(where + " unknown window '" + window + "' (declared: " + windows.keySet() + ")");
            }
        } else if (f.has("window")) {
            throw new FeatureSpecException(where + " aggregate: " + a + " takes no window (it spans every event of the key)");
        }
        final boolean excludeCurrent = f.has("exclude_current") && bool(f, "exclude_current", where);
        if (excludeCurrent && !agg.windowed()) {
            throw new FeatureSpecException(where + " exclude_current applies to windowed aggregations only");
        }
        if (excludeCurrent && windows.get(window).type() == WindowType.SESSION) {
            throw new FeatureSpecException(where + " exclude_current does not apply to session windows (window '" + window + "')");
        }
        String source = null;
        if (agg.needsInput()) {
            if (!f.has("of")) {
                throw new FeatureSpecException(where + " aggregate: " + a + " needs of: (a field or a feature)");
            }
            source = reference(f, "of", where);
        } else if (f.has("of")) {
            throw new FeatureSpecException(where + " aggregate: " + a + " takes no of:");
        }
        switch (agg) {
            case DISTINCT:
                params.put("precision", 12.0);
                break;
            case DISTINCT_BITMAP:
            case NEW_VALUE:
                params.put("bits", 256.0);
                break;
            case LAST:
                params.put("initial", 0.0);
                break;
            case TIME_SINCE_LAST:
                params.put("max", Double.POSITIVE_INFINITY);
                break;
            case EWM_MEAN:
            case EWM_ZSCORE:
                params.put("clip_stds", Double.POSITIVE_INFINITY);
                params.put("std_floor", 0.0);
                params.put("initial_variance", 0.0);
                break;
            default:
                break;
        }
        readParams(f, agg.params(), params, where);
        switch (agg) {
            case DISTINCT: {
                final double p = params.get("precision");
                if (p != Math.rint(p) || p < 4 || p > 16) {
                    throw new FeatureSpecException(where + " precision must be an integer in 4..16, was " + p);
                }
                break;
            }
            case DISTINCT_BITMAP:
            case NEW_VALUE: {
                final double b = params.get("bits");
                if (b != Math.rint(b) || b < 64 || b > 65536 || Long.bitCount((long)b) != 1) {
                    throw new FeatureSpecException(where + " bits must be a power of two in 64..65536, was " + b);
                }
                break;
            }
            case TIME_SINCE_LAST: {
                final double max = params.get("max");
                if (!(max > 0)) {
                    throw new FeatureSpecException(where + " max must be > 0 (seconds), was " + max);
                }
                params.putIfAbsent("initial", Double.isInfinite(max) ? 0.0 : max);
                break;
            }
            case DECAYED_COUNT:
            case DECAYED_SUM:
                if (!params.containsKey("half_life")) {
                    throw new FeatureSpecException(where + " aggregate: " + a + " needs half_life (a duration such as 10m)");
                }
                break;
            case EWMA:
            case EWM_MEAN:
            case EWM_ZSCORE: {
                final Double alpha = params.get("alpha");
                if (alpha == null || !(alpha > 0 && alpha <= 1)) {
                    throw new FeatureSpecException(where + " aggregate: " + a + " needs alpha in (0, 1]");
                }
                if (agg != Aggregation.EWMA && !(params.get("clip_stds") > 0 && params.get("std_floor") >= 0 &&
                    params.get("initial_variance") >= 0)) {
                    throw new FeatureSpecException(where + " clip_stds must be > 0, std_floor and initial_variance >= 0");
                }
                break;
            }
            default:
                break;
        }
        return new Feature(name, Kind.AGGREGATE, key, emit, source, agg, window, null, List.of(), params, transform,
            excludeCurrent);
    }

    /** References resolve to fields or features, and no feature depends on itself. */
    private static void checkReferences(final List<Feature> features) {
        final Map<String, Feature> byName = new HashMap<>();
        for (final Feature f : features) {
            byName.put(f.name(), f);
        }
        for (final Feature f : features) {
            for (final String r : references(f)) {
                if (Field.byName(r) == null && !byName.containsKey(r)) {
                    throw new FeatureSpecException("feature '" + f.name() + "': reference to unknown feature or field '" + r +
                        "' (fields: " + Field.names() + ")");
                }
            }
        }
        final Map<String, Integer> state = new HashMap<>(); // 1 visiting, 2 done
        for (final Feature f : features) {
            cycle(f, byName, state, new ArrayList<>());
        }
    }

    private static void cycle(final Feature f, final Map<String, Feature> byName, final Map<String, Integer> state,
                              final List<String> path) {
        final Integer s = state.get(f.name());
        if (s != null && s == 2) {
            return;
        }
        path.add(f.name());
        if (s != null) {
            throw new FeatureSpecException("feature '" + f.name() + "': cyclic reference " + String.join(" -> ", path));
        }
        state.put(f.name(), 1);
        for (final String r : references(f)) {
            final Feature g = byName.get(r);
            if (g != null && g != f) { // a feature named like a field reads the field
                cycle(g, byName, state, path);
            }
        }
        state.put(f.name(), 2);
        path.remove(path.size() - 1);
    }

    /** @return the names a feature reads (fields or features). */
    static List<String> references(final Feature f) {
        final List<String> refs = new ArrayList<>(f.operands());
        if (f.source() != null) {
            refs.add(f.source());
        }
        return refs;
    }

    private static void readParams(final JsonNode f, final Set<String> allowed, final Map<String, Double> params,
                                   final String where) {
        for (final String p : allowed) {
            final JsonNode v = f.get(p);
            if (v == null) {
                continue;
            }
            if (DURATION_PARAMS.contains(p)) {
                final long ns = duration(f, p, where, true);
                params.put(p, (double)ns);
            } else if (v.isNumber()) {
                params.put(p, v.asDouble());
            } else {
                throw new FeatureSpecException(where + " " + p + " must be a number, was " + v);
            }
        }
    }

    private static void onlyKeys(final JsonNode f, final Set<String> params, final String where, final String what) {
        final Set<String> allowed = new HashSet<>(params);
        allowed.addAll(Set.of("name", "key", "emit", "transform"));
        switch (what.startsWith("derive") ? "derive" : what.startsWith("aggregate") ? "aggregate" : "value") {
            case "derive":
                allowed.addAll(Set.of("derive", "of"));
                break;
            case "aggregate":
                allowed.addAll(Set.of("aggregate", "of", "window", "exclude_current"));
                break;
            default:
                allowed.add("value");
                break;
        }
        for (final Iterator<String> it = f.fieldNames(); it.hasNext(); ) {
            final String k = it.next();
            if (!allowed.contains(k)) {
                throw new FeatureSpecException(where + " unknown property '" + k + "' for " + what +
                    (FEATURE_KEYS.contains(k) ? "" : " (it accepts " + new java.util.TreeSet<>(allowed) + ")"));
            }
        }
    }

    private static void unknownKeys(final JsonNode n, final Set<String> allowed, final String where) {
        for (final Iterator<String> it = n.fieldNames(); it.hasNext(); ) {
            final String k = it.next();
            if (!allowed.contains(k)) {
                throw new FeatureSpecException(where + " unknown property '" + k + "' (known: " + new java.util.TreeSet<>(allowed) + ")");
            }
        }
    }

    private static List<Step> transform(final JsonNode t, final String where) {
        final List<Step> steps = new ArrayList<>();
        if (t == null || t.isNull()) {
            return steps;
        }
        if (!t.isArray()) {
            throw new FeatureSpecException(where + " transform is a list of steps (log1p, abs, {divide: 100}, ...)");
        }
        for (final JsonNode s : t) {
            if (s.isTextual()) {
                if (!Step.WITHOUT_ARG.contains(s.asText())) {
                    throw new FeatureSpecException(where + " unknown transform step '" + s.asText() + "' (known: " +
                        Step.WITHOUT_ARG + " and, with a number, " + Step.WITH_ARG + ")");
                }
                steps.add(new Step(s.asText(), 0));
            } else if (s.isObject() && s.size() == 1) {
                final String op = s.fieldNames().next();
                final JsonNode arg = s.get(op);
                if (!Step.WITH_ARG.contains(op)) {
                    throw new FeatureSpecException(where + " unknown transform step '" + op + "' (known: " + Step.WITH_ARG +
                        " with a number, " + Step.WITHOUT_ARG + ")");
                }
                if (!arg.isNumber() || !Double.isFinite(arg.asDouble())) {
                    throw new FeatureSpecException(where + " transform step " + op + " needs a finite number, was " + arg);
                }
                if (op.equals("divide") && arg.asDouble() == 0) {
                    throw new FeatureSpecException(where + " transform step divide by 0");
                }
                steps.add(new Step(op, arg.asDouble()));
            } else {
                throw new FeatureSpecException(where + " a transform step is a name or {step: number}, was " + s);
            }
        }
        return steps;
    }

    private static List<Field> keyFields(final JsonNode key, final String where) {
        final List<Field> fields = new ArrayList<>();
        if (key == null || key.isNull()) {
            return fields;
        }
        final List<JsonNode> items = new ArrayList<>();
        if (key.isTextual()) {
            items.add(key);
        } else if (key.isArray()) {
            key.forEach(items::add);
        } else {
            throw new FeatureSpecException(where + " is a list of event fields");
        }
        for (final JsonNode k : items) {
            final Field f = Field.byName(k.asText());
            if (f == null || !f.keyable()) {
                throw new FeatureSpecException(where + ": '" + k.asText() + "' is not a key field (key fields: " +
                    keyableNames() + "; the tenant is always part of the key)");
            }
            if (fields.contains(f)) {
                throw new FeatureSpecException(where + ": '" + k.asText() + "' twice");
            }
            fields.add(f);
        }
        // the key is a set: its order does not change the state, so it does not change the hash either
        fields.sort(null);
        return fields;
    }

    private static String keyableNames() {
        final List<String> n = new ArrayList<>();
        for (final Field f : Field.values()) {
            if (f.keyable()) {
                n.add(f.specName());
            }
        }
        return String.join(", ", n);
    }

    private static String reference(final JsonNode f, final String property, final String where) {
        final JsonNode v = f.get(property);
        if (v == null || !v.isTextual() || v.asText().isEmpty()) {
            throw new FeatureSpecException(where + " " + property + ": names a field or a feature");
        }
        return v.asText();
    }

    private static String requiredText(final JsonNode n, final String property, final String where) {
        final JsonNode v = n.get(property);
        if (v == null || v.isNull() || v.isContainerNode() || v.asText().isEmpty()) {
            throw new FeatureSpecException(where + " " + property + " missing");
        }
        return v.asText();
    }

    private static String text(final JsonNode n, final String property) {
        return n.get(property).asText();
    }

    private static boolean bool(final JsonNode n, final String property, final String where) {
        final JsonNode v = n.get(property);
        if (!v.isBoolean()) {
            throw new FeatureSpecException(where + " " + property + " must be true or false, was " + v);
        }
        return v.asBoolean();
    }

    /**
     * @return {@code allowed_lateness}: a duration ({@code 0s} allowed: no late event is applied), {@code unbounded}, or
     * {@link FeatureSpec#LATENESS_NOT_DECLARED} when absent.
     */
    private static long lateness(final JsonNode root, final String where) {
        final JsonNode v = root.get("allowed_lateness");
        if (v == null || v.isNull()) {
            return FeatureSpec.LATENESS_NOT_DECLARED;
        }
        if (v.isTextual() && v.asText().trim().equals("unbounded")) {
            return FeatureSpec.UNBOUNDED_LATENESS;
        }
        if (v.isTextual() && v.asText().trim().matches("0+(ns|us|ms|s|m|h|d)")) {
            return 0;
        }
        try {
            return duration(root, "allowed_lateness", where, true);
        } catch (final FeatureSpecException e) {
            throw new FeatureSpecException(where + " allowed_lateness '" + v.asText() +
                "' is neither a duration (such as 0s, 500ms, 10m) nor unbounded");
        }
    }

    /** @return a duration in ns: {@code 500ms}, {@code 60s}, {@code 1m}, {@code 12h}, {@code 1d}. */
    static long duration(final JsonNode n, final String property, final String where, final boolean required) {
        final JsonNode v = n.get(property);
        if (v == null) {
            if (required) {
                throw new FeatureSpecException(where + " " + property + " missing (a duration such as 60s, 1m, 1h)");
            }
            return 0;
        }
        final Matcher m = DURATION.matcher(v.asText().trim());
        if (!v.isTextual() || !m.matches()) {
            throw new FeatureSpecException(where + " " + property + " '" + v.asText() +
                "' is not a duration (a positive integer with ns, us, ms, s, m, h or d)");
        }
        final long unit;
        switch (m.group(2)) {
            case "ns": unit = 1L; break;
            case "us": unit = 1_000L; break;
            case "ms": unit = 1_000_000L; break;
            case "s": unit = 1_000_000_000L; break;
            case "m": unit = 60_000_000_000L; break;
            case "h": unit = 3_600_000_000_000L; break;
            default: unit = 86_400_000_000_000L; break;
        }
        final long amount;
        try {
            amount = Math.multiplyExact(Long.parseLong(m.group(1)), unit);
        } catch (final ArithmeticException | NumberFormatException e) {
            throw new FeatureSpecException(where + " " + property + " '" + v.asText() + "' is too long");
        }
        if (amount <= 0) {
            throw new FeatureSpecException(where + " " + property + " must be positive");
        }
        return amount;
    }
}
