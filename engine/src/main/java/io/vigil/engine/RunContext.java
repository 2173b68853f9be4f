package io.vigil.engine;

import io.vigil.scoring.model.OnnxModel;

import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

/**
 * What a live run started with, recorded in its data directory so that an auditor can replay it without guessing:
 * the Vigil version, the effective value of every configuration key (rules thresholds, validation limits, batch
 * sizes...; never the credential), the SHA-256 of the model, and the feature set the run computes (its content hash
 * and feature names: the lineage of every decision the run journals, which the output records do not repeat). Changes made while it runs reach the pipeline as
 * control records in the input journal, so the journal and this file together reproduce every decision.
 *
 * <p>{@value #FILE} holds the latest start; {@value #HISTORY}/ keeps one file per start. Both are written to a
 * temporary name and renamed, so a reader never sees half a file. Properties format: {@code run.*} entries describe
 * the run, every other entry is a configuration key. Allocates; control plane only.
 */
public final class RunContext {
    /** The latest start's context, in the data directory. */
    public static final String FILE = "run-context.properties";
    /** One context file per start, in this sub-directory of the data directory. */
    public static final String HISTORY = "runs";
    /** Entry naming the Vigil version that ran. */
    public static final String VERSION = "run.vigil.version";
    /** Entry with the SHA-256 of the model the run started with. */
    public static final String MODEL_SHA256 = "run.model.sha256";
    /** Entry with the content hash of the feature set the run computes ({@code FeatureSpec.hash()}). */
    public static final String FEATURE_SET_HASH = "run.features.hash";
    /** Entry with the feature set's name and version. */
    public static final String FEATURE_SET = "run.features.set";
    /** Entry with the feature set's features, comma-separated, in vector order. */
    public static final String FEATURE_NAMES = "run.features.names";
    /** Entry with the time the run started. */
    public static final String STARTED = "run.started";

    private final Map<String, String> entries;

    private RunContext(final Map<String, String> entries) {
        this.entries = entries;
    }

    /** The Vigil version of this build. */
    public static String vigilVersion() {
        try (InputStream in = RunContext.class.getResourceAsStream("vigil-version.properties")) {
            final Properties properties = new Properties();
            if (in != null) {
                properties.load(in);
            }
            return properties.getProperty("version", "unknown");
        } catch (final IOException ex) {
            return "unknown";
        }
    }

    /** The context of a run starting now with {@code config}. */
    public static RunContext of(final VigilConfig config) {
        final Map<String, String> entries = new LinkedHashMap<>();
        entries.put(VERSION, vigilVersion());
        entries.put(STARTED, Instant.now().toString());
        final String modelPath = config.string(VigilConfig.MODEL_PATH);
        entries.put(MODEL_SHA256, modelPath.trim().equalsIgnoreCase("none") ? "none" :
            OnnxModel.sha256(modelPath.isEmpty() ? null : Path.of(modelPath)));
        final String spec = config.string(VigilConfig.FEATURES_SPEC).trim();
        try {
            final io.vigil.scoring.features.FeatureSet set = io.vigil.scoring.features.FeatureSet.ofNullable(
                spec.isEmpty() ? null : io.vigil.scoring.features.spec.FeatureSpec.load(Path.of(spec)));
            entries.put(FEATURE_SET_HASH, set.hash());
            entries.put(FEATURE_SET, set.name() + " " + set.version());
            entries.put(FEATURE_NAMES, String.join(",", set.names()));
        } catch (final RuntimeException ex) {
            // an unreadable definition: the engine refuses to start with it anyway
        }
        for (final VigilConfig.Key key : VigilConfig.keys()) {
            if (key.recording() == VigilConfig.Key.Recording.SECRET) {
                continue; // a secret: never written down
            }
            String value = config.string(key);
            if (key == VigilConfig.MODEL_PATH && !value.isEmpty()) {
                value = Path.of(value).toAbsolutePath().normalize().toString();
            }
            entries.put(key.name(), value);
        }
        return new RunContext(entries);
    }

    /** Writes this context as the data directory's latest and into its history. */
    public void record(final Path dataDir) throws IOException {
        final Path history = Files.createDirectories(dataDir.resolve(HISTORY));
        final String stamp = entries.get(STARTED).replace(':', '-');
        writeAtomically(history.resolve("run-" + stamp + ".properties"));
        writeAtomically(dataDir.resolve(FILE));
    }

    private void writeAtomically(final Path file) throws IOException {
        final Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try (Writer out = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
            out.write("# Vigil run context: what this run started with (vigil replay reads it; do not edit)\n");
            for (final Map.Entry<String, String> e : new TreeMap<>(entries).entrySet()) {
                out.write(escape(e.getKey()) + "=" + escape(e.getValue()) + "\n");
            }
        }
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /** Escapes a key or value in the properties-file syntax (what {@link Properties#load} reads back). */
    private static String escape(final String text) {
        final StringBuilder sb = new StringBuilder();
        for (final char c : text.toCharArray()) {
            if (c == '\\' || c == '=' || c == ':' || c == '#' || c == '!') {
                sb.append('\\').append(c);
            } else if (c == '\n') {
                sb.append("\\n");
            } else if (c < 0x20 || c > 0x7e) {
                sb.append(String.format("\\u%04x", (int)c));
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }

    /** The latest context recorded in {@code dataDir}, or null when the run recorded none (older versions). */
    public static RunContext read(final Path dataDir) throws IOException {
        final Path file = dataDir.resolve(FILE);
        if (!Files.isRegularFile(file)) {
            return null;
        }
        final Properties properties = new Properties();
        try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            properties.load(in);
        }
        final Map<String, String> entries = new LinkedHashMap<>();
        for (final String name : properties.stringPropertyNames()) {
            entries.put(name, properties.getProperty(name));
        }
        return new RunContext(entries);
    }

    /** An entry ({@code run.*} or a configuration key), or null. */
    public String get(final String name) {
        return entries.get(name);
    }

    /**
     * The recorded values of the configuration keys a replay takes over (those {@link VigilConfig.Key.Recording#REPLAYED}:
     * all but where and how the run listened);
     * entries this version does not know (a newer run) are left out and named in {@code unknown}.
     */
    public Map<String, String> replayedKeys(final List<String> unknown) {
        final Map<String, String> values = new LinkedHashMap<>();
        for (final Map.Entry<String, String> e : entries.entrySet()) {
            if (e.getKey().startsWith("run.")) {
                continue;
            }
            final VigilConfig.Key key = VigilConfig.find(e.getKey());
            if (key == null) {
                unknown.add(e.getKey());
            } else if (key.recording() == VigilConfig.Key.Recording.REPLAYED) {
                values.put(key.name(), e.getValue());
            }
        }
        return values;
    }

    /** Keys that a replay takes over and that differ from {@code config}: what would change the decisions. */
    public List<String> differences(final VigilConfig config) {
        final List<String> differ = new ArrayList<>();
        for (final Map.Entry<String, String> e : replayedKeys(new ArrayList<>()).entrySet()) {
            final VigilConfig.Key key = VigilConfig.find(e.getKey());
            String value = config.string(key);
            if (key == VigilConfig.MODEL_PATH && !value.isEmpty()) {
                value = Path.of(value).toAbsolutePath().normalize().toString();
            }
            if (!value.equals(e.getValue())) {
                differ.add(e.getKey() + " recorded " + e.getValue() + ", now " + value);
            }
        }
        return differ;
    }
}
