package io.vigil.scoring.drift;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * The reference distribution of every feature of one feature set, as a versioned JSON file ({@link #FORMAT} version
 * {@link #VERSION}): the feature set's name and hash (which features, in which order, computed how), and per feature
 * its count, minimum, maximum, deciles, the PSI bins cut at them with the reference's share of each, and its
 * distribution function (the values its KLL sketch retained with their cumulative counts, some hundreds) for the KS
 * statistic. Plain JSON numbers throughout: the file reads in any language. Built from a training export by
 * {@link FeatureReferenceBuilder} ({@code vigil drift reference}); see docs/feature-drift.md for the layout.
 *
 * <p>Immutable. Thread-safe. Allocates (control
 * plane).
 */
public final class FeatureReference {
    /** The {@code format} field of every reference file. */
    public static final String FORMAT = "vigil-feature-reference";
    /** The layout version this build writes and reads. */
    public static final int VERSION = 1;

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** One feature's reference distribution. */
    public record Feature(String name, long count, float min, float max, float[] cutPoints, double[] binShares,
        EmpiricalCdf cdf) {
        public Feature {
            if (binShares.length != cutPoints.length + 1) {
                throw new IllegalArgumentException("feature " + name + ": " + cutPoints.length + " cut points need " +
                    (cutPoints.length + 1) + " bin shares, not " + binShares.length);
            }
            for (int i = 1; i < cutPoints.length; i++) {
                if (!(cutPoints[i] > cutPoints[i - 1])) {
                    throw new IllegalArgumentException("feature " + name + ": cut points are not ascending");
                }
            }
        }
    }

    private final String featureSet;
    private final String featureSetHash;
    private final String source;
    private final long rows;
    private final List<Feature> features;

    public FeatureReference(final String featureSet, final String featureSetHash, final String source, final long rows,
        final List<Feature> features) {
        this.featureSet = featureSet;
        this.featureSetHash = featureSetHash;
        this.source = source;
        this.rows = rows;
        this.features = List.copyOf(features);
    }

    /**
     * The hash that names a feature set in a reference: SHA-256 (hex) over its version and its feature names in
     * order, one a line. (A declared feature set will bring its own content hash; this one stands for the built-in
     * set meanwhile.)
     */
    public static String featureSetHash(final String version, final List<String> names) {
        try {
            final MessageDigest digest = MessageDigest.getInstance("SHA-256");
            digest.update(version.getBytes(StandardCharsets.UTF_8));
            for (final String name : names) {
                digest.update((byte)'\n');
                digest.update(name.getBytes(StandardCharsets.UTF_8));
            }
            return HexFormat.of().formatHex(digest.digest());
        } catch (final NoSuchAlgorithmException ex) {
            throw new IllegalStateException(ex);
        }
    }

    /** Name (version) of the feature set the reference was built from, such as {@code txf-1}. */
    public String featureSet() {
        return featureSet;
    }

    public String featureSetHash() {
        return featureSetHash;
    }

    /** What it was built from (the export file's name), for people. */
    public String source() {
        return source;
    }

    /** Rows of the export it was built from. */
    public long rows() {
        return rows;
    }

    /** The features, in the feature set's order. */
    public List<Feature> features() {
        return features;
    }

    /** The feature names, in order. */
    public List<String> names() {
        return features.stream().map(Feature::name).toList();
    }

    /**
     * Refuses a reference of another feature set than the one computed here.
     *
     * @throws IllegalArgumentException saying which feature set each is and what to do.
     */
    public void requireFeatureSet(final String version, final List<String> names) {
        final String hash = featureSetHash(version, names);
        if (hash.equals(featureSetHash) && names.equals(names())) {
            return;
        }
        final List<String> missing = new ArrayList<>(names);
        missing.removeAll(names());
        final List<String> extra = new ArrayList<>(names());
        extra.removeAll(names);
        throw new IllegalArgumentException("the reference was built for feature set '" + featureSet + "' (hash " +
            abbreviate(featureSetHash) + "), this engine computes '" + version + "' (hash " + abbreviate(hash) + ")" +
            (missing.isEmpty() ? "" : "; features missing from the reference: " + missing) +
            (extra.isEmpty() ? "" : "; features the engine does not compute: " + extra) +
            (missing.isEmpty() && extra.isEmpty() && !names.equals(names()) ? "; the same features in another order" : "") +
            ": build a new reference from a training export of this feature set (vigil drift reference)");
    }

    private static String abbreviate(final String hash) {
        return hash.length() > 12 ? hash.substring(0, 12) : hash;
    }

    /** Writes the reference as JSON. */
    public void write(final Path file) throws IOException {
        final ObjectNode root = JSON.createObjectNode();
        root.put("format", FORMAT);
        root.put("version", VERSION);
        final ObjectNode set = root.putObject("featureSet");
        set.put("name", featureSet);
        set.put("hash", featureSetHash);
        root.put("source", source);
        root.put("rows", rows);
        final ArrayNode list = root.putArray("features");
        for (final Feature f : features) {
            final ObjectNode node = list.addObject();
            node.put("name", f.name());
            node.put("count", f.count());
            node.put("min", f.min());
            node.put("max", f.max());
            final ArrayNode cuts = node.putArray("cutPoints");
            for (final float c : f.cutPoints()) {
                cuts.add(c);
            }
            final ArrayNode shares = node.putArray("binShares");
            for (final double s : f.binShares()) {
                shares.add(s);
            }
            final ObjectNode cdf = node.putObject("cdf");
            final ArrayNode values = cdf.putArray("values");
            for (final float v : f.cdf().values()) {
                values.add(v);
            }
            final ArrayNode counts = cdf.putArray("cumulative");
            for (final long c : f.cdf().cumulative()) {
                counts.add(c);
            }
        }
        final Path temp = file.resolveSibling(file.getFileName() + ".tmp");
        JSON.writeValue(temp.toFile(), root);
        Files.move(temp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
            java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    /**
     * Reads a reference file.
     *
     * @throws IOException when it cannot be read or is not a reference of this layout, naming the file and the field.
     */
    public static FeatureReference read(final Path file) throws IOException {
        final JsonNode root;
        try {
            root = JSON.readTree(file.toFile());
        } catch (final com.fasterxml.jackson.core.JacksonException ex) {
            throw new IOException(file + ": not JSON (" + ex.getOriginalMessage() + ")", ex);
        }
        if (root == null || !FORMAT.equals(root.path("format").asText())) {
            throw new IOException(file + ": not a feature reference (its \"format\" is not \"" + FORMAT + "\")");
        }
        final int version = root.path("version").asInt(-1);
        if (version != VERSION) {
            throw new IOException(file + ": feature reference version " + version + ", this build reads " + VERSION);
        }
        try {
            final List<Feature> features = new ArrayList<>();
            for (final JsonNode node : required(root, "features")) {
                final String name = required(node, "name").asText();
                final JsonNode cutsNode = required(node, "cutPoints");
                final float[] cuts = new float[cutsNode.size()];
                for (int i = 0; i < cuts.length; i++) {
                    cuts[i] = (float)cutsNode.get(i).asDouble();
                }
                final JsonNode sharesNode = required(node, "binShares");
                final double[] shares = new double[sharesNode.size()];
                for (int i = 0; i < shares.length; i++) {
                    shares[i] = sharesNode.get(i).asDouble();
                }
                final JsonNode cdfNode = required(node, "cdf");
                final JsonNode valuesNode = required(cdfNode, "values");
                final JsonNode countsNode = required(cdfNode, "cumulative");
                final float[] values = new float[valuesNode.size()];
                final long[] counts = new long[countsNode.size()];
                for (int i = 0; i < values.length; i++) {
                    values[i] = (float)valuesNode.get(i).asDouble();
                }
                for (int i = 0; i < counts.length; i++) {
                    counts[i] = countsNode.get(i).asLong();
                }
                features.add(new Feature(name, required(node, "count").asLong(), (float)required(node, "min").asDouble(),
                    (float)required(node, "max").asDouble(), cuts, shares, new EmpiricalCdf(values, counts)));
            }
            final JsonNode set = required(root, "featureSet");
            return new FeatureReference(required(set, "name").asText(), required(set, "hash").asText(),
                root.path("source").asText(""), root.path("rows").asLong(), features);
        } catch (final IllegalArgumentException ex) {
            throw new IOException(file + ": " + ex.getMessage(), ex);
        }
    }

    private static JsonNode required(final JsonNode node, final String field) {
        final JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            throw new IllegalArgumentException("field \"" + field + "\" is missing");
        }
        return value;
    }
}
