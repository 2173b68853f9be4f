package io.vigil.scoring.model;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import io.vigil.scoring.features.FeatureSet;
import io.vigil.scoring.features.TransactionFeatures;

/**
 * A fraud model in ONNX format: rows of features in, one fraud probability per row out, run by an
 * ONNX Runtime session restricted to the calling thread (intra- and inter-op threads = 1, sequential).
 *
 * <p><b>Thread safety:</b> not thread-safe; one inference thread fills {@link #input()} and calls
 * {@link #run}. <b>Allocation:</b> the direct input buffer is preallocated at load; the ORT tensors over it
 * (and over a direct output buffer) are created once per distinct batch size, on first use, and reused.
 * Each {@link #run} then allocates only what ORT's Java API allocates per call (its {@code Result} and
 * bookkeeping, a few small objects), per batch, never per row.
 *
 * <p>The model contract, checked at load: an input named {@value #INPUT_NAME}, float, shape
 * {@code [N, width]} with N dynamic; an output, float, of shape {@code [N, 1]} or {@code [N]}. The model's
 * version is its metadata property {@value #VERSION_KEY} (else the file name), ASCII, at most
 * {@value #MAX_VERSION_LENGTH} characters. A model may declare the content hash of the feature definition it was
 * trained on ({@value #FEATURE_SET_HASH_KEY}, {@code FeatureSpec.hash()}); loading it for a different feature set is
 * refused ({@link #load(Path, int, int, String)}, {@link #loadDefault}).
 *
 * <p><b>Inputs by name.</b> {@link #bind} (done by {@link #load(Path, FeatureSet, int)} and
 * {@link #loadDefault(FeatureSet, int)}) decides which features of the running {@link FeatureSet} fill the input's
 * columns, once: the features the model names ({@value #FEATURE_NAMES_KEY}), in that order; else, when it declares the
 * running set's hash, the running set's features in its order; else, for a model of the default's width (the bundled
 * one declares neither), the default set's 14 names; else, when its width is the running set's, that set's features
 * by position. {@link #inputIndices()} then holds each column's position in the running vector.
 */
public final class OnnxModel implements AutoCloseable {
    /** Name of the model's input. */
    public static final String INPUT_NAME = "features";
    /** Metadata property carrying the model's version. */
    public static final String VERSION_KEY = "vigil.model_version";
    /** Metadata property carrying the feature-set version the model was fitted on. */
    public static final String FEATURE_SET_KEY = "vigil.feature_set";
    /** Metadata property carrying the content hash of the feature definition the model was trained on. */
    public static final String FEATURE_SET_HASH_KEY = "vigil.feature_set_hash";
    /**
     * Metadata property naming the model's input features, comma-separated, in the order of its input's columns:
     * the engine gathers them by name from the running feature set's vector.
     */
    public static final String FEATURE_NAMES_KEY = "vigil.feature_names";
    /** Longest model version (the wire field is 16 ASCII characters). */
    public static final int MAX_VERSION_LENGTH = 16;
    /** Classpath resource of the committed default model. */
    public static final String DEFAULT_RESOURCE = "/io/vigil/scoring/model/fraud-model.onnx";

    private final String name;
    private final String version;
    private final String featureSet;
    private final String featureSetHash;
    private final java.util.List<String> featureNames;
    private final int width;
    private int[] inputIndices;
    private final int maxBatch;
    private final OrtSession.SessionOptions options;
    private final OrtSession session;
    private final String outputName;
    private final boolean outputRank2;
    private final FloatBuffer input;
    private final FloatBuffer output;
    private final OnnxTensor[] inputTensors;
    private final OnnxTensor[] outputTensors;
    private final Map<String, OnnxTensor> inputs = new HashMap<>(4);
    private final Map<String, OnnxTensor> pinnedOutputs = new HashMap<>(4);
    private boolean closed;

    private OnnxModel(
        final String name,
        final OrtSession.SessionOptions options,
        final OrtSession session,
        final int expectedWidth,
        final int maxBatch) {
        this.name = name;
        this.options = options;
        this.session = session;
        this.maxBatch = maxBatch;
        final int modelWidth;
        try {
            final Map<String, NodeInfo> inputInfo = session.getInputInfo();
            final NodeInfo in = inputInfo.get(INPUT_NAME);
            if (in == null) {
                throw fail("no input named '" + INPUT_NAME + "' (inputs: " + inputInfo.keySet() + ")");
            }
            if (inputInfo.size() != 1) {
                throw fail("expected one input '" + INPUT_NAME + "', found " + inputInfo.keySet());
            }
            if (!(in.getInfo() instanceof TensorInfo) || ((TensorInfo)in.getInfo()).type != OnnxJavaType.FLOAT) {
                throw fail("input '" + INPUT_NAME + "' is not a float tensor: " + in.getInfo());
            }
            final long[] shape = ((TensorInfo)in.getInfo()).getShape();
            if (shape.length != 2) {
                throw fail("input '" + INPUT_NAME + "' has rank " + shape.length + ", expected [N, " + expectedWidth + "]");
            }
            if (expectedWidth >= 0 && shape[1] != expectedWidth) {
                throw fail("input '" + INPUT_NAME + "' has width " + shape[1] + ", the feature set " +
                    featureSetName(expectedWidth) + " has " + expectedWidth);
            }
            if (shape[1] < 1 || shape[1] * maxBatch * Float.BYTES > Integer.MAX_VALUE) {
                throw fail("input '" + INPUT_NAME + "' has width " + shape[1] + ", expected a fixed positive width");
            }
            modelWidth = (int)shape[1];
            if (shape[0] >= 0) {
                throw fail("input '" + INPUT_NAME + "' has a fixed batch dimension " + shape[0] + ", expected dynamic N");
            }
            String found = null;
            boolean rank2 = false;
            for (final Map.Entry<String, NodeInfo> e : session.getOutputInfo().entrySet()) {
                if (e.getValue().getInfo() instanceof TensorInfo) {
                    final TensorInfo t = (TensorInfo)e.getValue().getInfo();
                    final long[] s = t.getShape();
                    if (t.type == OnnxJavaType.FLOAT && s.length >= 1 && s.length <= 2 && s[0] < 0 &&
                        (s.length == 1 || s[1] == 1)) {
                        found = e.getKey();
                        rank2 = s.length == 2;
                        break;
                    }
                }
            }
            if (found == null) {
                throw fail("no float output of shape [N, 1] or [N] (outputs: " + session.getOutputInfo() + ")");
            }
            outputName = found;
            outputRank2 = rank2;
            final Map<String, String> meta = session.getMetadata().getCustomMetadata();
            featureSet = meta.getOrDefault(FEATURE_SET_KEY, "");
            featureSetHash = meta.getOrDefault(FEATURE_SET_HASH_KEY, "");
            featureNames = names(meta.getOrDefault(FEATURE_NAMES_KEY, ""));
            if (!featureNames.isEmpty() && featureNames.size() != modelWidth) {
                throw fail("declares " + featureNames.size() + " input features (" + FEATURE_NAMES_KEY + " = " +
                    featureNames + ") but its input '" + INPUT_NAME + "' has width " + modelWidth);
            }
            version = checkVersion(meta.getOrDefault(VERSION_KEY, defaultVersion(name)));
        } catch (final OrtException ex) {
            throw new ModelLoadException("model " + name + ": cannot read its signature: " + ex.getMessage(), ex);
        }
        width = modelWidth;
        input = ByteBuffer.allocateDirect(maxBatch * width * Float.BYTES)
            .order(ByteOrder.nativeOrder()).asFloatBuffer();
        output = ByteBuffer.allocateDirect(maxBatch * Float.BYTES).order(ByteOrder.nativeOrder()).asFloatBuffer();
        inputTensors = new OnnxTensor[maxBatch + 1];
        outputTensors = new OnnxTensor[maxBatch + 1];
    }

    /**
     * Loads a model file and checks it against the feature width.
     *
     * @throws ModelLoadException naming the file and the problem: missing, unparseable, wrong input name,
     *                            type or width, no suitable output, bad version.
     */
    public static OnnxModel load(final Path file, final int expectedWidth, final int maxBatch) {
        checkArguments(expectedWidth, maxBatch);
        final String name = String.valueOf(file.getFileName());
        if (!Files.isRegularFile(file)) {
            throw new ModelLoadException("model " + name + ": file not found: " + file.toAbsolutePath());
        }
        final byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (final IOException ex) {
            throw new ModelLoadException("model " + name + ": cannot read " + file.toAbsolutePath() + ": " + ex, ex);
        }
        return load(name, bytes, expectedWidth, maxBatch);
    }

    /**
     * Loads a model file and checks it against the feature width and, when the model declares one
     * ({@value #FEATURE_SET_HASH_KEY}), against the content hash of the feature definition that computes its input.
     *
     * @param featureSetHash the running feature definition's {@code FeatureSpec.hash()}.
     * @throws ModelLoadException also when the model was trained on another feature definition.
     */
    public static OnnxModel load(final Path file, final int expectedWidth, final int maxBatch, final String featureSetHash) {
        final OnnxModel model = load(file, expectedWidth, maxBatch);
        try {
            model.requireFeatureSetHash(featureSetHash);
        } catch (final ModelLoadException e) {
            model.close();
            throw e;
        }
        return model;
    }

    /**
     * @throws ModelLoadException when the model declares a feature definition hash other than {@code featureSetHash}.
     */
    public void requireFeatureSetHash(final String featureSetHash) {
        if (!this.featureSetHash.isEmpty() && !this.featureSetHash.equalsIgnoreCase(featureSetHash)) {
            throw fail("trained on the feature definition with hash " + this.featureSetHash + ", but the engine computes " +
                "the one with hash " + featureSetHash + " (vigil features check prints a definition's hash): retrain the " +
                "model on these features, or run the definition it was trained on");
        }
    }

    /** @return the feature definition hash the model declares it was trained on, or "" when it does not say. */
    public String featureSetHash() {
        return featureSetHash;
    }

    private java.util.List<String> names(final String declared) {
        if (declared.isBlank()) {
            return java.util.List.of();
        }
        final java.util.List<String> list = new java.util.ArrayList<>();
        for (final String n : declared.split(",")) {
            final String t = n.trim();
            if (t.isEmpty() || list.contains(t)) {
                throw fail(FEATURE_NAMES_KEY + " = '" + declared + "': empty or repeated feature name");
            }
            list.add(t);
        }
        return java.util.List.copyOf(list);
    }

    /** @return the input features the model declares ({@value #FEATURE_NAMES_KEY}), empty when it does not say. */
    public java.util.List<String> featureNames() {
        return featureNames;
    }

    /**
     * Loads a model file for the running feature set: any input width; then {@link #bind}.
     *
     * @throws ModelLoadException as {@link #load(Path, int, int)}, and naming the model and the missing features or
     *                            both hashes when it does not fit {@code running}.
     */
    public static OnnxModel load(final Path file, final FeatureSet running, final int maxBatch) {
        final OnnxModel model = load(file, -1, maxBatch);
        return bindOrClose(model, running);
    }

    /** Loads the committed default model for the running feature set: {@link #loadDefault(int)}, then {@link #bind}. */
    public static OnnxModel loadDefault(final FeatureSet running, final int maxBatch) {
        final OnnxModel model = loadDefault(maxBatch, false);
        return bindOrClose(model, running);
    }

    private static OnnxModel bindOrClose(final OnnxModel model, final FeatureSet running) {
        try {
            model.bind(running);
            return model;
        } catch (final RuntimeException e) {
            model.close();
            throw e;
        }
    }

    /**
     * Decides, once, where each input column comes from in {@code running}'s vector (see the class comment).
     *
     * @throws ModelLoadException naming the model and the missing features, both hashes, or both widths.
     */
    public void bind(final FeatureSet running) {
        requireFeatureSetHash(running.hash());
        final java.util.List<String> inputs;
        final String why;
        if (!featureNames.isEmpty()) {
            inputs = featureNames;
            why = "declares its input features " + FEATURE_NAMES_KEY + " = " + String.join(",", featureNames);
        } else if (!featureSetHash.isEmpty()) {
            inputs = running.names();
            why = "declares the running feature set's hash";
        } else if (width == TransactionFeatures.WIDTH) {
            inputs = TransactionFeatures.NAMES;
            why = "declares neither its input features (" + FEATURE_NAMES_KEY + ") nor a feature set hash (" +
                FEATURE_SET_HASH_KEY + "), so it is taken to read the default's " + TransactionFeatures.WIDTH + " features";
        } else if (width == running.width()) {
            inputs = running.names();
            why = "declares no input features: it reads the running set's by position";
        } else {
            throw fail("takes " + width + " features and declares neither their names (" + FEATURE_NAMES_KEY + ") nor " +
                "a feature set hash (" + FEATURE_SET_HASH_KEY + "); " + running.describe() + " emits " + running.width() +
                ": " + running.names());
        }
        if (inputs.size() != width) {
            throw fail("takes " + width + " features, but " + running.describe() + " emits " + inputs.size());
        }
        try {
            inputIndices = running.indicesOf(inputs, "the model");
        } catch (final IllegalArgumentException e) {
            throw fail("it " + why + "; " + e.getMessage());
        }
    }

    /**
     * @return for each input column, its feature's position in the running vector ({@link #bind}); null before.
     *     The array is the model's own: do not change it.
     */
    public int[] inputIndices() {
        return inputIndices;
    }

    /** Loads the committed default model (fitted on feature set {@link TransactionFeatures#VERSION}). */
    public static OnnxModel loadDefault(final int maxBatch) {
        return loadDefault(maxBatch, true);
    }

    private static OnnxModel loadDefault(final int maxBatch, final boolean defaultSet) {
        final byte[] bytes;
        try (InputStream in = OnnxModel.class.getResourceAsStream(DEFAULT_RESOURCE)) {
            if (in == null) {
                throw new ModelLoadException("model classpath:" + DEFAULT_RESOURCE + ": resource not found");
            }
            bytes = in.readAllBytes();
        } catch (final IOException ex) {
            throw new ModelLoadException("model classpath:" + DEFAULT_RESOURCE + ": cannot read: " + ex, ex);
        }
        final OnnxModel model = load("fraud-model.onnx", bytes, TransactionFeatures.WIDTH, maxBatch);
        if (!defaultSet) {
            return model;
        }
        if (!model.featureSet.isEmpty() && !model.featureSet.equals(TransactionFeatures.VERSION)) {
            model.close();
            throw new ModelLoadException("model fraud-model.onnx: fitted on feature set " + model.featureSet +
                ", the code computes " + TransactionFeatures.VERSION);
        }
        try {
            model.requireFeatureSetHash(io.vigil.scoring.features.spec.FeatureSpec.defaultHash());
        } catch (final ModelLoadException e) {
            model.close();
            throw e;
        }
        return model;
    }

    /**
     * SHA-256 (hex) of a model's bytes: of {@code file}, or of the bundled default model when it is null. What a run
     * records so that a replay can tell whether it scores with the very same model.
     */
    public static String sha256(final Path file) {
        final byte[] bytes;
        try {
            if (file != null) {
                bytes = Files.readAllBytes(file);
            } else {
                try (InputStream in = OnnxModel.class.getResourceAsStream(DEFAULT_RESOURCE)) {
                    if (in == null) {
                        throw new ModelLoadException("model classpath:" + DEFAULT_RESOURCE + ": resource not found");
                    }
                    bytes = in.readAllBytes();
                }
            }
        } catch (final IOException ex) {
            throw new ModelLoadException("model " + (file == null ? "classpath:" + DEFAULT_RESOURCE : file) +
                ": cannot read: " + ex, ex);
        }
        try {
            return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (final java.security.NoSuchAlgorithmException ex) {
            throw new IllegalStateException("the JDK lacks SHA-256", ex);
        }
    }

    /** Loads a model from bytes; {@code name} is used in messages and as the fallback version. */
    public static OnnxModel load(final String name, final byte[] bytes, final int expectedWidth, final int maxBatch) {
        checkArguments(expectedWidth, maxBatch);
        final OrtEnvironment env = OrtEnvironment.getEnvironment();
        OrtSession.SessionOptions options = null;
        OrtSession session = null;
        try {
            options = new OrtSession.SessionOptions();
            options.setIntraOpNumThreads(1);
            options.setInterOpNumThreads(1);
            options.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
            options.addConfigEntry("session.intra_op.allow_spinning", "0");
            options.addConfigEntry("session.inter_op.allow_spinning", "0");
            session = env.createSession(bytes, options);
            return new OnnxModel(name, options, session, expectedWidth, maxBatch);
        } catch (final OrtException ex) {
            closeQuietly(session, options);
            throw new ModelLoadException("model " + name + ": cannot be parsed by ONNX Runtime: " + ex.getMessage(), ex);
        } catch (final RuntimeException ex) {
            closeQuietly(session, options);
            throw ex;
        }
    }

    /** @return the model's version, ASCII, at most {@value #MAX_VERSION_LENGTH} characters. */
    public String version() {
        return version;
    }

    /** @return the feature set the model declares it was fitted on, or "" when it does not say. */
    public String featureSet() {
        return featureSet;
    }

    /** @return features per row. */
    public int width() {
        return width;
    }

    /** @return the largest batch {@link #run} accepts. */
    public int maxBatch() {
        return maxBatch;
    }

    /**
     * The preallocated direct buffer of {@code maxBatch * width} floats: row {@code r}, feature {@code i} is at
     * index {@code r * width + i}. Fill it with absolute puts (or relative puts from position 0) before
     * {@link #run}; its position and limit are ignored.
     */
    public FloatBuffer input() {
        return input;
    }

    /**
     * Scores the first {@code rows} rows of {@link #input()}.
     *
     * @param scoresOut receives the fraud probability of row {@code r} at index {@code r}.
     * @throws IllegalArgumentException if rows is not in [1, maxBatch].
     * @throws IllegalStateException    if ONNX Runtime fails (the caller falls back to rules) or the model is closed.
     */
    public void run(final int rows, final float[] scoresOut) {
        if (rows < 1 || rows > maxBatch) {
            throw new IllegalArgumentException("rows must be in [1, " + maxBatch + "]: " + rows);
        }
        if (closed) {
            throw new IllegalStateException("model " + name + " is closed");
        }
        try {
            OnnxTensor in = inputTensors[rows];
            if (in == null) {
                in = createTensors(rows);
            }
            inputs.put(INPUT_NAME, in);
            pinnedOutputs.put(outputName, outputTensors[rows]);
            final OrtSession.Result result = session.run(inputs, pinnedOutputs);
            result.close(); // closes only what ORT allocated; the pinned output stays ours
            for (int r = 0; r < rows; r++) {
                scoresOut[r] = output.get(r);
            }
        } catch (final OrtException ex) {
            throw new IllegalStateException("model " + name + ": inference failed: " + ex.getMessage(), ex);
        }
    }

    private OnnxTensor createTensors(final int rows) throws OrtException {
        final OrtEnvironment env = OrtEnvironment.getEnvironment();
        final FloatBuffer inSlice = input.duplicate();
        inSlice.position(0).limit(rows * width);
        final OnnxTensor in = OnnxTensor.createTensor(env, inSlice.slice(), new long[] {rows, width});
        final FloatBuffer outSlice = output.duplicate();
        outSlice.position(0).limit(rows);
        final long[] outShape = outputRank2 ? new long[] {rows, 1} : new long[] {rows};
        final OnnxTensor out;
        try {
            out = OnnxTensor.createTensor(env, outSlice.slice(), outShape);
        } catch (final OrtException ex) {
            in.close();
            throw ex;
        }
        inputTensors[rows] = in;
        outputTensors[rows] = out;
        return in;
    }

    /** Releases the ORT session and tensors; idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (int i = 0; i <= maxBatch; i++) {
            if (inputTensors[i] != null) {
                inputTensors[i].close();
                outputTensors[i].close();
            }
        }
        closeQuietly(session, options);
    }

    @Override
    public String toString() {
        return "OnnxModel{" + name + ", version=" + version + ", featureSet=" + featureSet + ", width=" + width +
            ", maxBatch=" + maxBatch + '}';
    }

    private ModelLoadException fail(final String problem) {
        return new ModelLoadException("model " + name + ": " + problem);
    }

    private String checkVersion(final String candidate) {
        if (candidate.isEmpty() || candidate.length() > MAX_VERSION_LENGTH ||
            !StandardCharsets.US_ASCII.newEncoder().canEncode(candidate)) {
            throw fail("version '" + candidate + "' must be 1 to " + MAX_VERSION_LENGTH + " ASCII characters");
        }
        return candidate;
    }

    private static String defaultVersion(final String fileName) {
        String v = fileName.endsWith(".onnx") ? fileName.substring(0, fileName.length() - 5) : fileName;
        v = v.replaceAll("[^\\x20-\\x7E]", "_");
        return v.length() > MAX_VERSION_LENGTH ? v.substring(0, MAX_VERSION_LENGTH) : v;
    }

    private static String featureSetName(final int width) {
        return width == TransactionFeatures.WIDTH ? TransactionFeatures.VERSION : "of width " + width;
    }

    private static void checkArguments(final int expectedWidth, final int maxBatch) {
        if ((expectedWidth < 1 && expectedWidth != -1) || maxBatch < 1 || (long)Math.max(1, expectedWidth) * maxBatch * Float.BYTES > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("bad width " + expectedWidth + " or maxBatch " + maxBatch);
        }
    }

    private static void closeQuietly(final OrtSession session, final OrtSession.SessionOptions options) {
        if (session != null) {
            try {
                session.close();
            } catch (final OrtException ignore) {
                // closing anyway
            }
        }
        if (options != null) {
            options.close();
        }
    }
}
