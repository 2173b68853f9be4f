package io.vigil.scoring.features.spec;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

/**
 * A validated feature definition: a named, versioned feature set whose features are computed per entity key (the
 * tenant plus any event fields). Load one with {@link #parse}, {@link #load} or {@link #defaultSpec()}, compile it
 * with {@link CompiledFeatures}. The file format is docs/features.md.
 *
 * <p>{@link #hash()} is the SHA-256 of the canonical form ({@link #canonicalJson()}): the validated definition with
 * every default filled in, durations in nanoseconds, numbers as doubles and object keys sorted; so comments,
 * formatting, key order and equivalent spellings ({@code 60s} and {@code 1m}) do not change it, while any change of
 * what is computed does.
 *
 * <p>Immutable and thread-safe.
 *
 * @param name     the feature set's name.
 * @param version  its declared version (free text).
 * @param key      the default entity key of its features (fields; the tenant is always part of every key).
 * @param windows  the windows by name, in declaration order.
 * @param features the features in declaration order; the emitted ones form the vector in this order.
 * @param allowedLatenessNs the event-time lateness the definition declares ({@code allowed_lateness}): how far behind
 *                 the watermark an event may be and still be applied; {@link #UNBOUNDED_LATENESS} for
 *                 {@code unbounded}, {@link #LATENESS_NOT_DECLARED} when the file does not say (the engine's
 *                 {@code vigil.lateness.allowed} then applies).
 */
public record FeatureSpec(String name, String version, List<Field> key, Map<String, Window> windows,
                          List<Feature> features, long allowedLatenessNs) {
    /** The built-in definition: the 14 features of {@code TransactionFeatures}. */
    public static final String DEFAULT_RESOURCE = "/features/default.yaml";
    /** {@link #allowedLatenessNs()} of a definition without {@code allowed_lateness}. */
    public static final long LATENESS_NOT_DECLARED = Long.MIN_VALUE;
    /** {@link #allowedLatenessNs()} of {@code allowed_lateness: unbounded} (every late event is applied). */
    public static final long UNBOUNDED_LATENESS = -1;

    public FeatureSpec {
        key = List.copyOf(key);
        windows = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(windows));
        features = List.copyOf(features);
        if (allowedLatenessNs < UNBOUNDED_LATENESS && allowedLatenessNs != LATENESS_NOT_DECLARED) {
            throw new IllegalArgumentException("allowed lateness " + allowedLatenessNs);
        }
    }

    /** A definition that declares no allowed lateness. */
    public FeatureSpec(final String name, final String version, final List<Field> key, final Map<String, Window> windows,
                       final List<Feature> features) {
        this(name, version, key, windows, features, LATENESS_NOT_DECLARED);
    }

    /** @return whether the definition declares its allowed lateness ({@code allowed_lateness}). */
    public boolean declaresLateness() {
        return allowedLatenessNs != LATENESS_NOT_DECLARED;
    }

    /** Window kinds. */
    public enum WindowType {
        /** {@code size} in {@code step} buckets, ending with the key's latest bucket (hopping is an alias). */
        SLIDING,
        /** Fixed windows of {@code size} aligned to the epoch; the key's latest one. */
        TUMBLING,
        /** Events closer than {@code gap} form a session; the key's latest session. */
        SESSION,
        /** Every event since the key's first. */
        SINCE_FIRST_SEEN
    }

    /**
     * A window.
     *
     * @param sizeNs the window's length (sliding, tumbling), else 0.
     * @param stepNs the bucket length (sliding; {@code sizeNs} for tumbling), else 0.
     * @param gapNs  the session gap (session), else 0.
     */
    public record Window(String name, WindowType type, long sizeNs, long stepNs, long gapNs) {
        /** @return buckets of the ring (sliding: size/step; tumbling and since-first-seen: 1; session: 0). */
        public int buckets() {
            switch (type) {
                case SLIDING: return (int)(sizeNs / stepNs);
                case TUMBLING:
                case SINCE_FIRST_SEEN: return 1;
                default: return 0;
            }
        }
    }

    /** One step of a value transform, applied in order to a feature's value. */
    public record Step(String op, double arg) {
        /** Steps with an argument. */
        public static final List<String> WITH_ARG = List.of("add", "multiply", "divide", "clamp_min", "clamp_max");
        /** Steps without one. */
        public static final List<String> WITHOUT_ARG = List.of("log1p", "abs");
    }

    /** What a feature is. */
    public enum Kind {
        /** A field or another feature, transformed. */
        VALUE,
        /** An aggregation of its key's events. */
        AGGREGATE,
        /** A function of other features of the event. */
        DERIVED
    }

    /**
     * One feature.
     *
     * @param key            the entity key (fields) its state is kept by; the tenant is implied.
     * @param emit           whether it is part of the vector (false: an intermediate other features use).
     * @param source         VALUE: the field or feature it takes; AGGREGATE: its input ({@code of}), or null.
     * @param operands       DERIVED: the features it combines.
     * @param params         the aggregation's or derivation's parameters, defaults filled (durations in ns).
     * @param excludeCurrent AGGREGATE over a window: the window's value before this event is added.
     */
    public record Feature(String name, Kind kind, List<Field> key, boolean emit, String source,
                          Aggregation aggregation, String window, Aggregation.Derivation derivation,
                          List<String> operands, Map<String, Double> params, List<Step> transform,
                          boolean excludeCurrent) {
        public Feature {
            key = List.copyOf(key);
            operands = List.copyOf(operands);
            params = java.util.Collections.unmodifiableMap(new TreeMap<>(params));
            transform = List.copyOf(transform);
        }

        /** @return parameter {@code p} (filled with its default at load). */
        public double param(final String p) {
            final Double v = params.get(p);
            if (v == null) {
                throw new IllegalArgumentException("feature '" + name + "' has no parameter " + p);
            }
            return v;
        }
    }

    /** @return the names of the emitted features, in vector order. */
    public List<String> emittedNames() {
        final List<String> names = new ArrayList<>();
        for (final Feature f : features) {
            if (f.emit()) {
                names.add(f.name());
            }
        }
        return names;
    }

    /** @return the number of emitted features. */
    public int width() {
        return emittedNames().size();
    }

    /** @return the feature called {@code name}, or null. */
    public Feature feature(final String featureName) {
        for (final Feature f : features) {
            if (f.name().equals(featureName)) {
                return f;
            }
        }
        return null;
    }

    /** @return the canonical form the hash is computed over (JSON, keys sorted, defaults filled). */
    public String canonicalJson() {
        final Map<String, Object> root = new TreeMap<>();
        root.put("name", name);
        root.put("version", version);
        root.put("key", names(key));
        if (declaresLateness()) {
            // only when declared: the hash of a definition without it is what it was before the property existed
            root.put("allowed_lateness_ns", allowedLatenessNs);
        }
        final Map<String, Object> ws = new TreeMap<>();
        for (final Window w : windows.values()) {
            final Map<String, Object> m = new TreeMap<>();
            m.put("type", w.type().name().toLowerCase(java.util.Locale.ROOT));
            m.put("size_ns", w.sizeNs());
            m.put("step_ns", w.stepNs());
            m.put("gap_ns", w.gapNs());
            ws.put(w.name(), m);
        }
        root.put("windows", ws);
        final List<Object> fs = new ArrayList<>();
        for (final Feature f : features) {
            final Map<String, Object> m = new TreeMap<>();
            m.put("name", f.name());
            m.put("kind", f.kind().name().toLowerCase(java.util.Locale.ROOT));
            m.put("key", names(f.key()));
            m.put("emit", f.emit());
            if (f.source() != null) {
                m.put("source", f.source());
            }
            if (f.aggregation() != null) {
                m.put("aggregate", f.aggregation().specName());
            }
            if (f.window() != null) {
                m.put("window", f.window());
            }
            if (f.derivation() != null) {
                m.put("derive", f.derivation().specName());
            }
            m.put("operands", f.operands());
            m.put("params", f.params());
            final List<Object> steps = new ArrayList<>();
            for (final Step s : f.transform()) {
                steps.add(List.of(s.op(), s.arg()));
            }
            m.put("transform", steps);
            m.put("exclude_current", f.excludeCurrent());
            fs.add(m);
        }
        root.put("features", fs);
        try {
            return new ObjectMapper().configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true)
                .writeValueAsString(root);
        } catch (final JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** @return the SHA-256 of {@link #canonicalJson()}, 64 lowercase hex digits. */
    public String hash() {
        try {
            final MessageDigest sha = MessageDigest.getInstance("SHA-256");
            return HexFormat.of().formatHex(sha.digest(canonicalJson().getBytes(StandardCharsets.UTF_8)));
        } catch (final NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static List<String> names(final List<Field> fields) {
        final List<String> out = new ArrayList<>();
        for (final Field f : fields) {
            out.add(f.specName());
        }
        return out;
    }

    /**
     * Parses and validates a definition.
     *
     * @param yaml   the file's text (YAML; JSON is YAML too).
     * @param origin where it came from, for error messages.
     * @throws FeatureSpecException naming the feature or window and the problem.
     */
    public static FeatureSpec parse(final String yaml, final String origin) {
        return FeatureSpecParser.parse(yaml, origin);
    }

    /** Loads and validates a definition file. @throws FeatureSpecException also when it cannot be read. */
    public static FeatureSpec load(final Path file) {
        try {
            return parse(Files.readString(file, StandardCharsets.UTF_8), file.toString());
        } catch (final IOException e) {
            throw new FeatureSpecException("cannot read feature definition " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * @return the hash of the built-in default definition: the lineage of the features {@code TransactionFeatures}
     * computes (the same floats).
     */
    public static String defaultHash() {
        return DefaultHash.HASH;
    }

    private static final class DefaultHash {
        static final String HASH = defaultSpec().hash();
    }

    /** @return the built-in default definition ({@link #DEFAULT_RESOURCE}). */
    public static FeatureSpec defaultSpec() {
        try (InputStream in = FeatureSpec.class.getResourceAsStream(DEFAULT_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + DEFAULT_RESOURCE);
            }
            return parse(new String(in.readAllBytes(), StandardCharsets.UTF_8), "built-in " + DEFAULT_RESOURCE);
        } catch (final IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
