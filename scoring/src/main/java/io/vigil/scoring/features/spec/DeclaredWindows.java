package io.vigil.scoring.features.spec;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.CRC32;

import io.vigil.scoring.features.spec.FeatureSpec.Feature;
import io.vigil.scoring.features.spec.FeatureSpec.Kind;
import io.vigil.scoring.features.spec.FeatureSpec.Step;
import io.vigil.scoring.features.spec.FeatureSpec.Window;
import io.vigil.scoring.features.spec.FeatureSpec.WindowType;
import io.vigil.scoring.time.EventTimeWindows;
import io.vigil.scoring.time.WindowResultSink;

/**
 * The results of one tumbling or session window that a feature definition declares, for one entity key: per key
 * and window, when the watermark passes the window's end, one result whose values are the definition's aggregations
 * over that window (its {@code count}, {@code sum}, {@code mean}, {@code min}, {@code max} and {@code stddev}
 * features, each with its own transform), named as the features are. {@link #of} makes the producers of a compiled
 * definition: one per (window, entity key) that has such features, named {@code <feature set>.<window>} (with
 * {@code .<key fields>} appended when features of several keys use the window), with a window id derived from that
 * name.
 *
 * <p>The events reach it through {@link #addLastEvent()}, right after {@link CompiledFeatures#onEvent} computed them:
 * it reads the aggregations' inputs, the entity key and the event time from the compiled definition's registers (so
 * an input may be any feature, transformed or derived, exactly as the feature reads it). Its state is its own: the
 * compiled state keeps only a key's latest tumbling window and current and previous session, while here every window
 * stays open until the watermark passes its end.
 *
 * <p>Tumbling windows: {@code [k·size, (k+1)·size)}, an event exactly at the end belongs to the next. Session windows
 * (Flink's merging windows): an event at {@code t} opens {@code [t, t + gap)}; it joins every open session of its key
 * that this interval overlaps ({@code t < end} and {@code start < t + gap}, so events exactly {@code gap} apart are two
 * sessions), and when it overlaps two or more (a late event bridging them) they merge into one; a session ends
 * {@code gap} after its latest event.
 *
 * <p>Late firings (Flink's allowed lateness): given a bounded allowed lateness {@code L} ({@link #advance(long, long,
 * WindowResultSink)}), a window fired at its end (firing 0) is kept until the watermark reaches {@code end + L}; an
 * event added to it meanwhile marks it, and the next advance fires it again with the next firing number (several
 * late events between two advances: one firing); a session merged after firing gets a firing number past all its
 * parts' and replaces their results (its window contains theirs). Then it is purged. Unbounded (or 0): freed at its
 * firing, the result is final. An event whose window (after merging) ends at or before the watermark at the last
 * advance minus that retention is not added (counted in {@link #eventsForClosedWindows()}).
 *
 * <p>Emission order: by window end, then by the window's creation order (a sequence number given at its first event;
 * a merged session keeps the older one's), a function of the events alone; the sequence numbers are checkpointed, so
 * a restored producer emits in the same order. Open tumbling windows are grouped per start, each group in creation
 * order; open sessions, kept windows and late tumbling windows sit in a min-heap by (due time, sequence), one valid
 * entry each (the due time: the end while events wait to fire, else the end plus the retention): a window whose due
 * time moved later is pushed again when its entry comes up; the entry of a window merged into another, freed, or
 * pushed again earlier (a late event for a kept window) is skipped then (a generation number).
 *
 * <p>Not thread-safe: the pipeline thread owns it. Allocation-free in steady state ({@link #addLastEvent()},
 * {@link #advance}); more open windows or keys than seen before grow the arrays.
 */
public final class DeclaredWindows implements EventTimeWindows {
    private static final int SNAPSHOT_VERSION = 2;
    /** The aggregations a window result carries. */
    public static final Set<Aggregation> SUPPORTED = Set.of(Aggregation.COUNT, Aggregation.SUM, Aggregation.MEAN,
        Aggregation.MIN, Aggregation.MAX, Aggregation.STDDEV);

    private static final int ADD = 0;
    private static final int MULTIPLY = 1;
    private static final int DIVIDE = 2;
    private static final int CLAMP_MIN = 3;
    private static final int CLAMP_MAX = 4;
    private static final int LOG1P = 5;
    private static final int ABS = 6;
    private static final List<String> STEP_NAMES = List.of("add", "multiply", "divide", "clamp_min", "clamp_max",
        "log1p", "abs");

    private final CompiledFeatures compiled;
    private final int windowId;
    private final String name;
    private final String descriptor;
    private final boolean session;
    /** Tumbling: the size; session: the gap. */
    private final long lengthNs;
    private final int group;
    private final int timeRegister = Field.EVENT_TIME.ordinal();
    // inputs: distinct registers the aggregations read
    private final int[] inputRegisters;
    private final boolean[] inputIntegral;
    // features: what each value is
    private final List<String> valueNames;
    private final Aggregation[] aggs;
    private final int[] featureInput;
    private final int[][] stepOps;
    private final double[][] stepArgs;
    private final double[] values;
    private final int inputs;

    /*
     * Open windows ("entries"): one block of longs per entry in one array (a window's state is one or two cache
     * lines): the fields below, then per input its exact integer sum and the raw bits of its sum, sum of squares, min
     * and max.
     */
    private static final int TENANT = 0;
    private static final int KEY = 1;
    private static final int START = 2;
    private static final int END = 3;
    private static final int SEQ = 4;
    /** The next entry of the same key (or of the free list), -1 none. */
    private static final int NEXT = 5;
    /** generation << 1 | alive. */
    private static final int GEN = 6;
    private static final int COUNT = 7;
    /** Firings emitted so far (the next one's number). */
    private static final int FIRED = 8;
    /** 1 when events were added since the last firing (always for a window not fired yet). */
    private static final int DIRTY = 9;
    private static final int HEADER = 10;
    private static final int PER_INPUT = 5;
    private final int stride;
    private long[] data;
    private int capacity = 16;
    private int freeHead = -1;
    private int used;
    private int live;
    /** (tenant, key) -> its first entry: pairs of longs (key, tenant << 32 | entry + 1); entry + 1 == 0: free. */
    private long[] table = new long[64];
    private int tableKeys;
    /**
     * Min-heap by (due time, seq): triples (time, seq, entry << 32 | generation). Every live session, and every tumbling
     * window that fired or opened late, has exactly one valid node (its generation); the node's time is at most its
     * due time (the end for a window with events not fired yet, the end plus the retention for one fired), and a node
     * that comes up early is pushed again at the due time.
     */
    private long[] heap = new long[3 * 32];
    private int heapSize;
    /**
     * Tumbling windows need no heap: their open windows are grouped per start (ascending; the groups past
     * {@code groupCount} are emptied ones kept for reuse), each group listing its entries in creation order.
     */
    private long[] groupStart = new long[4];
    private int[][] groupEntries = new int[4][];
    private int[] groupSize = new int[4];
    private int groupCount;
    private int[] scratch = new int[8];

    private long nextSeq;
    private long closedBeforeNs = Long.MIN_VALUE;
    /** How long past its end a fired window is kept for late firings (the bounded allowed lateness at the last advance; 0: none). */
    private long retainNs;
    private long eventsForClosedWindows;

    private DeclaredWindows(final CompiledFeatures compiled, final String name, final Window window,
                            final List<Field> key, final List<Feature> features) {
        this.compiled = compiled;
        this.name = name;
        this.windowId = windowId(name);
        this.session = window.type() == WindowType.SESSION;
        this.lengthNs = session ? window.gapNs() : window.sizeNs();
        this.group = compiled.group(key);
        if (group < 0) {
            throw new IllegalStateException("no compiled entity key " + key);
        }
        final List<Integer> ins = new ArrayList<>();
        this.aggs = new Aggregation[features.size()];
        this.featureInput = new int[features.size()];
        this.stepOps = new int[features.size()][];
        this.stepArgs = new double[features.size()][];
        final List<String> names = new ArrayList<>();
        final StringBuilder d = new StringBuilder(name).append('|').append(window.type()).append('|').append(lengthNs);
        for (int i = 0; i < aggs.length; i++) {
            final Feature f = features.get(i);
            names.add(f.name());
            aggs[i] = f.aggregation();
            if (f.aggregation() == Aggregation.COUNT || f.source() == null) {
                featureInput[i] = -1;
            } else {
                final int reg = compiled.register(f.source());
                if (!ins.contains(reg)) {
                    ins.add(reg);
                }
                featureInput[i] = ins.indexOf(reg);
            }
            final List<Step> steps = f.transform();
            stepOps[i] = new int[steps.size()];
            stepArgs[i] = new double[steps.size()];
            for (int s = 0; s < steps.size(); s++) {
                stepOps[i][s] = STEP_NAMES.indexOf(steps.get(s).op());
                stepArgs[i][s] = steps.get(s).arg();
            }
            d.append('|').append(f.name()).append(':').append(f.aggregation().specName()).append(':').append(f.source())
                .append(':').append(steps);
        }
        this.descriptor = d.toString();
        this.valueNames = List.copyOf(names);
        this.inputs = ins.size();
        this.inputRegisters = ins.stream().mapToInt(Integer::intValue).toArray();
        this.inputIntegral = new boolean[inputs];
        for (int j = 0; j < inputs; j++) {
            inputIntegral[j] = compiled.integral(inputRegisters[j]);
        }
        this.values = new double[aggs.length];
        this.stride = HEADER + PER_INPUT * inputs;
        this.data = new long[capacity * stride];
    }

    /**
     * The producers of {@code compiled}'s definition: per tumbling or session window it declares, in declaration
     * order, and per entity key of its features over that window (in feature order), one producer of the window's
     * count, sum, mean, min, max and stddev features (other aggregations over the window are not in the results:
     * {@link #unsupported}). Empty when the definition declares no such window.
     */
    public static List<DeclaredWindows> of(final CompiledFeatures compiled) {
        final FeatureSpec spec = compiled.spec();
        final List<DeclaredWindows> out = new ArrayList<>();
        final Map<Integer, String> ids = new java.util.HashMap<>();
        for (final Window w : spec.windows().values()) {
            if (w.type() != WindowType.TUMBLING && w.type() != WindowType.SESSION) {
                continue;
            }
            final Map<List<Field>, List<Feature>> byKey = new LinkedHashMap<>();
            for (final Feature f : spec.features()) {
                if (f.kind() == Kind.AGGREGATE && w.name().equals(f.window()) && SUPPORTED.contains(f.aggregation())) {
                    byKey.computeIfAbsent(f.key(), k -> new ArrayList<>()).add(f);
                }
            }
            for (final Map.Entry<List<Field>, List<Feature>> e : byKey.entrySet()) {
                final String producerName = spec.name() + "." + w.name() + (byKey.size() == 1 ? "" : "." + keyName(e.getKey()));
                final DeclaredWindows producer = new DeclaredWindows(compiled, producerName, w, e.getKey(), e.getValue());
                final String clash = ids.put(producer.windowId(), producerName);
                if (clash != null) {
                    throw new FeatureSpecException("windows '" + clash + "' and '" + producerName +
                        "' have the same window id " + producer.windowId() + ": rename one");
                }
                out.add(producer);
            }
        }
        return out;
    }

    /**
     * @return the features over a tumbling or session window whose aggregation window results do not carry
     * ({@code distinct}, {@code distinct_bitmap}, {@code new_value}), for {@code vigil features check} and logs.
     */
    public static List<String> unsupported(final FeatureSpec spec) {
        final List<String> out = new ArrayList<>();
        for (final Feature f : spec.features()) {
            if (f.kind() == Kind.AGGREGATE && f.window() != null && !SUPPORTED.contains(f.aggregation())) {
                final WindowType t = spec.windows().get(f.window()).type();
                if (t == WindowType.TUMBLING || t == WindowType.SESSION) {
                    out.add(f.name());
                }
            }
        }
        return out;
    }

    private static String keyName(final List<Field> key) {
        if (key.isEmpty()) {
            return "tenant";
        }
        final StringBuilder sb = new StringBuilder();
        for (final Field f : key) {
            sb.append(sb.length() == 0 ? "" : "+").append(f.specName());
        }
        return sb.toString();
    }

    /**
     * @return the window id of a producer name: a 30-bit CRC of the name, with bit 30 set, so that it is stable per
     * name and never the built-in account window's (1).
     */
    static int windowId(final String name) {
        final CRC32 crc = new CRC32();
        crc.update(name.getBytes(StandardCharsets.UTF_8));
        return (int)(crc.getValue() & 0x3fffffffL) | 0x40000000;
    }

    @Override
    public int windowId() {
        return windowId;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public List<String> valueNames() {
        return valueNames;
    }

    /** @return the compiled definition whose registers {@link #addLastEvent()} reads. */
    public CompiledFeatures compiled() {
        return compiled;
    }

    /** @return whether these are session windows (else tumbling). */
    public boolean session() {
        return session;
    }

    /** @return the tumbling size or the session gap, ns. */
    public long lengthNs() {
        return lengthNs;
    }

    // ------------------------------------------------------------------------------------------------------ events

    /**
     * Adds the event {@link CompiledFeatures#onEvent} computed last to its window.
     *
     * @return false when that window's result is out already (the event is counted, not added).
     */
    public boolean addLastEvent() {
        final CompiledFeatures c = compiled;
        final long t = c.longValue(timeRegister);
        final int tenant = c.lastTenant();
        final long key = c.lastKey(group);
        final int e = session ? sessionEntry(tenant, key, t) : tumblingEntry(tenant, key, t);
        if (e < 0) {
            eventsForClosedWindows++;
            return false;
        }
        final long[] d = data;
        final int b = e * stride;
        if (d[b + DIRTY] == 0) {
            // a late event for a window fired and kept: it fires again at the next advance (a new heap node at its end)
            d[b + DIRTY] = 1;
            d[b + GEN] += 2;
            push(e, d[b + END]);
        }
        final boolean first = d[b + COUNT]++ == 0;
        final int n = inputs;
        for (int j = 0; j < n; j++) {
            final int reg = inputRegisters[j];
            final double x = c.value(reg);
            final int m = b + HEADER + PER_INPUT * j;
            if (inputIntegral[j]) {
                d[m] += c.longValue(reg);
            }
            d[m + 1] = bits(real(d[m + 1]) + x);
            d[m + 2] = bits(real(d[m + 2]) + x * x);
            d[m + 3] = bits(first ? x : Math.min(real(d[m + 3]), x));
            d[m + 4] = bits(first ? x : Math.max(real(d[m + 4]), x));
        }
        return true;
    }

    private static long bits(final double v) {
        return Double.doubleToRawLongBits(v);
    }

    private static double real(final long bits) {
        return Double.longBitsToDouble(bits);
    }

    private int tumblingEntry(final int tenant, final long key, final long t) {
        final long start = Math.floorDiv(t, lengthNs) * lengthNs;
        final long end = start + lengthNs;
        if (plus(end, retainNs) <= closedBeforeNs) {
            return -1;
        }
        final int slot = find(tenant, key);
        if (slot >= 0) {
            final long[] d = data;
            for (int e = head(slot); e >= 0; e = (int)d[e * stride + NEXT]) {
                if (d[e * stride + START] == start) {
                    return e;
                }
            }
        }
        return open(slot, tenant, key, start, end, true);
    }

    private static long plus(final long time, final long duration) {
        return time > Long.MAX_VALUE - duration ? Long.MAX_VALUE : time + duration;
    }

    private int sessionEntry(final int tenant, final long key, final long t) {
        final long end = t > Long.MAX_VALUE - lengthNs ? Long.MAX_VALUE : t + lengthNs;
        final int slot = find(tenant, key);
        final long[] d = data;
        int hits = 0;
        if (slot >= 0) {
            for (int e = head(slot); e >= 0; e = (int)d[e * stride + NEXT]) {
                if (t < d[e * stride + END] && d[e * stride + START] < end) {
                    if (hits == scratch.length) {
                        scratch = Arrays.copyOf(scratch, hits * 2);
                    }
                    scratch[hits++] = e;
                }
            }
        }
        if (hits == 0) {
            return plus(end, retainNs) <= closedBeforeNs ? -1 : open(slot, tenant, key, t, end, true);
        }
        int survivor = scratch[0];
        for (int h = 1; h < hits; h++) {
            if (d[scratch[h] * stride + SEQ] < d[survivor * stride + SEQ]) {
                survivor = scratch[h];
            }
        }
        final int sb = survivor * stride;
        long newEnd = Math.max(d[sb + END], end);
        long newStart = Math.min(d[sb + START], t);
        for (int h = 0; h < hits; h++) {
            final int other = scratch[h];
            if (other != survivor) {
                newEnd = Math.max(newEnd, d[other * stride + END]);
                newStart = Math.min(newStart, d[other * stride + START]);
                mergeInto(survivor, other);
                free(other);
            }
        }
        d[sb + START] = newStart;
        // a later end needs no heap entry now: when the one with the earlier end comes up, it is pushed again
        d[sb + END] = newEnd;
        return survivor;
    }

    private void mergeInto(final int dst, final int src) {
        final long[] d = data;
        final int db = dst * stride;
        final int sb = src * stride;
        // the merged session replaces the results of both: its next firing is numbered past both of theirs
        d[db + FIRED] = Math.max(d[db + FIRED], d[sb + FIRED]);
        if (d[sb + COUNT] == 0) {
            return;
        }
        final boolean empty = d[db + COUNT] == 0;
        d[db + COUNT] += d[sb + COUNT];
        for (int j = 0; j < inputs; j++) {
            final int dm = db + HEADER + PER_INPUT * j;
            final int sm = sb + HEADER + PER_INPUT * j;
            d[dm] += d[sm];
            d[dm + 1] = bits(real(d[dm + 1]) + real(d[sm + 1]));
            d[dm + 2] = bits(real(d[dm + 2]) + real(d[sm + 2]));
            d[dm + 3] = empty ? d[sm + 3] : bits(Math.min(real(d[dm + 3]), real(d[sm + 3])));
            d[dm + 4] = empty ? d[sm + 4] : bits(Math.max(real(d[dm + 4]), real(d[sm + 4])));
        }
    }

    // ---------------------------------------------------------------------------------------------------- emission

    /** {@link #advance(long, long, WindowResultSink)} with no lateness: every window is final at its end. */
    @Override
    public int advance(final long watermarkNs, final WindowResultSink sink) {
        return advance(watermarkNs, EventTimeWindows.UNBOUNDED, sink);
    }

    /**
     * Fires every window with events not fired yet (new ones, or late events since its last firing) whose end is at
     * or before {@code watermarkNs}; with a bounded {@code allowedLatenessNs} a fired window is kept until the
     * watermark passes its end plus that lateness (a late event within it makes it fire again, with the next firing
     * number), then purged; unbounded (or 0): freed when it fires.
     */
    @Override
    public int advance(final long watermarkNs, final long allowedLatenessNs, final WindowResultSink sink) {
        if (watermarkNs <= closedBeforeNs) {
            return 0;
        }
        final long retain = allowedLatenessNs < 0 ? 0 : allowedLatenessNs;
        final boolean shrunk = retain < retainNs;
        closedBeforeNs = watermarkNs;
        retainNs = retain;
        int emitted = 0;
        while (groupCount > 0 && groupStart[0] + lengthNs <= watermarkNs) {
            final int[] entries = groupEntries[0];
            final int size = groupSize[0];
            for (int k = 0; k < size; k++) {
                fire(entries[k], sink);
                emitted++;
            }
            // the emptied group's array goes to the spares, past the open groups
            System.arraycopy(groupStart, 1, groupStart, 0, groupCount - 1);
            System.arraycopy(groupEntries, 1, groupEntries, 0, groupCount - 1);
            System.arraycopy(groupSize, 1, groupSize, 0, groupCount - 1);
            groupCount--;
            groupEntries[groupCount] = entries;
            groupSize[groupCount] = 0;
        }
        if (shrunk) {
            rebuildHeap(); // the kept windows' purge times moved earlier (a smaller lateness from this tick on)
        }
        while (heapSize > 0 && heap[0] <= watermarkNs) {
            final int e = (int)(heap[2] >>> 32);
            final int gen = (int)heap[2];
            pop();
            final int b = e * stride;
            final long[] d = data;
            if ((d[b + GEN] & 1) == 0 || (int)(d[b + GEN] >>> 1) != gen) {
                continue; // closed, merged into another session, or pushed again since
            }
            final long due = due(b);
            if (due > watermarkNs) {
                push(e, due); // a session whose end moved, or a lateness that grew: in order again by its due time
                continue;
            }
            if (d[b + DIRTY] != 0) {
                fire(e, sink);
                emitted++;
            } else {
                free(e); // kept for the allowed lateness, which is over: purged
            }
        }
        return emitted;
    }

    /** Emits entry {@code e}'s result with its next firing number, then keeps it for the lateness or frees it. */
    private void fire(final int e, final WindowResultSink sink) {
        final int b = e * stride;
        final long[] d = data;
        fill(b);
        final long firing = d[b + FIRED]++;
        d[b + DIRTY] = 0;
        sink.onWindow(this, (int)d[b + TENANT], d[b + KEY], d[b + START], d[b + END], values, values.length,
            (int)Math.min(firing, Integer.MAX_VALUE));
        if (plus(d[b + END], retainNs) > closedBeforeNs) {
            push(e, plus(d[b + END], retainNs));
        } else {
            free(e);
        }
    }

    /** Pushes every live entry that is not in a tumbling group at its due time (after a restore, or a shrunk lateness). */
    private void rebuildHeap() {
        heapSize = 0;
        for (int e = 0; e < used; e++) {
            final int b = e * stride;
            if ((data[b + GEN] & 1) != 0 && !grouped(b)) {
                push(e, due(b));
            }
        }
    }

    private void fill(final int b) {
        final long[] d = data;
        final long count = d[b + COUNT];
        for (int i = 0; i < aggs.length; i++) {
            final int j = featureInput[i];
            final int m = b + HEADER + PER_INPUT * Math.max(j, 0);
            final double sum = j < 0 ? 0 : inputIntegral[j] ? (double)d[m] : real(d[m + 1]);
            final double v;
            switch (aggs[i]) {
                case COUNT:
                    v = count;
                    break;
                case SUM:
                    v = sum;
                    break;
                case MEAN:
                    v = count == 0 ? 0.0 : sum / count;
                    break;
                case MIN:
                    v = count == 0 ? 0.0 : real(d[m + 3]);
                    break;
                case MAX:
                    v = count == 0 ? 0.0 : real(d[m + 4]);
                    break;
                default: {
                    final double mean = count == 0 ? 0.0 : sum / count;
                    v = count == 0 ? 0.0 : Math.sqrt(Math.max(0.0, real(d[m + 2]) / count - mean * mean));
                    break;
                }
            }
            values[i] = transform(i, v);
        }
    }

    private double transform(final int feature, final double value) {
        double x = value;
        final int[] ops = stepOps[feature];
        final double[] args = stepArgs[feature];
        for (int s = 0; s < ops.length; s++) {
            final double a = args[s];
            switch (ops[s]) {
                case ADD: x = x + a; break;
                case MULTIPLY: x = x * a; break;
                case DIVIDE: x = x / a; break;
                case CLAMP_MIN: x = x < a ? a : x; break;
                case CLAMP_MAX: x = x > a ? a : x; break;
                case LOG1P: x = Math.log1p(x); break;
                default: x = Math.abs(x); break;
            }
        }
        return x;
    }

    @Override
    public long eventsForClosedWindows() {
        return eventsForClosedWindows;
    }

    @Override
    public long openWindows() {
        return live;
    }

    // ------------------------------------------------------------------------------------------------------ entries

    /**
     * Opens an entry for (tenant, key) at the head of its chain ({@code slot}: its table slot, or -1), not fired, with
     * no events; {@code schedule}: into its tumbling group, or the heap (a session, or a tumbling window that ends at
     * or before the last advance's watermark: it fires at the next).
     */
    private int open(final int slot, final int tenant, final long key, final long start, final long end,
                     final boolean schedule) {
        final int e = allocate();
        final long[] d = data;
        final int b = e * stride;
        d[b + TENANT] = tenant;
        d[b + KEY] = key;
        d[b + START] = start;
        d[b + END] = end;
        d[b + SEQ] = nextSeq++;
        d[b + GEN] = (d[b + GEN] & ~1L) + 2 | 1;
        Arrays.fill(d, b + COUNT, b + stride, 0L);
        if (slot >= 0) {
            d[b + NEXT] = head(slot);
            table[2 * slot + 1] = (long)tenant << 32 | (e + 1);
        } else {
            d[b + NEXT] = -1;
            insert(tenant, key, e);
        }
        d[b + DIRTY] = 1;
        live++;
        if (schedule) {
            if (grouped(b)) {
                group(start, e);
            } else {
                push(e, end);
            }
        }
        return e;
    }

    /** @return whether the entry at {@code b} sits in a tumbling group (not fired and ending after the last advance), not in the heap. */
    private boolean grouped(final int b) {
        return !session && data[b + FIRED] == 0 && data[b + END] > closedBeforeNs;
    }

    /** @return when the entry at {@code b} must come up: its end while it has events not fired, else its purge time. */
    private long due(final int b) {
        return data[b + DIRTY] != 0 ? data[b + END] : plus(data[b + END], retainNs);
    }

    /** Appends tumbling entry {@code e} to the group of its window start. */
    private void group(final long start, final int e) {
        int i = groupCount - 1;
        while (i >= 0 && groupStart[i] > start) {
            i--;
        }
        if (i < 0 || groupStart[i] != start) {
            // a new group at i + 1: take the array of the first spare group
            if (groupCount == groupStart.length) {
                final int n = groupCount * 2;
                groupStart = Arrays.copyOf(groupStart, n);
                groupEntries = Arrays.copyOf(groupEntries, n);
                groupSize = Arrays.copyOf(groupSize, n);
            }
            int[] entries = groupEntries[groupCount];
            if (entries == null) {
                entries = new int[16];
            }
            System.arraycopy(groupStart, i + 1, groupStart, i + 2, groupCount - i - 1);
            System.arraycopy(groupEntries, i + 1, groupEntries, i + 2, groupCount - i - 1);
            System.arraycopy(groupSize, i + 1, groupSize, i + 2, groupCount - i - 1);
            i++;
            groupStart[i] = start;
            groupEntries[i] = entries;
            groupSize[i] = 0;
            groupCount++;
        }
        if (groupSize[i] == groupEntries[i].length) {
            groupEntries[i] = Arrays.copyOf(groupEntries[i], groupSize[i] * 2);
        }
        groupEntries[i][groupSize[i]++] = e;
    }

    private int allocate() {
        if (freeHead >= 0) {
            final int e = freeHead;
            freeHead = (int)data[e * stride + NEXT];
            return e;
        }
        if (used == capacity) {
            capacity *= 2;
            data = Arrays.copyOf(data, capacity * stride);
        }
        return used++;
    }

    /** Closes entry {@code e}: out of its key's chain (and the table when the chain empties), onto the free list. */
    private void free(final int e) {
        final long[] d = data;
        final int b = e * stride;
        final int tenant = (int)d[b + TENANT];
        final int slot = find(tenant, d[b + KEY]);
        final int head = head(slot);
        final int next = (int)d[b + NEXT];
        if (head == e) {
            if (next < 0) {
                remove(slot);
            } else {
                table[2 * slot + 1] = (long)tenant << 32 | (next + 1);
            }
        } else {
            int p = head;
            while ((int)d[p * stride + NEXT] != e) {
                p = (int)d[p * stride + NEXT];
            }
            d[p * stride + NEXT] = next;
        }
        d[b + GEN] = (d[b + GEN] & ~1L) + 2;
        d[b + NEXT] = freeHead;
        freeHead = e;
        live--;
    }

    private static int hash(final int tenant, final long key) {
        long h = key * 0x9E3779B97F4A7C15L + tenant;
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        return (int)h;
    }

    private int head(final int slot) {
        return (int)table[2 * slot + 1] - 1;
    }

    /** @return the table slot of (tenant, key), -1 when it has no open window. */
    private int find(final int tenant, final long key) {
        final long[] t = table;
        final int mask = (t.length >> 1) - 1;
        int i = hash(tenant, key) & mask;
        while (true) {
            final long v = t[2 * i + 1];
            if ((int)v == 0) {
                return -1;
            }
            if (t[2 * i] == key && (int)(v >>> 32) == tenant) {
                return i;
            }
            i = (i + 1) & mask;
        }
    }

    private void insert(final int tenant, final long key, final int e) {
        if ((tableKeys + 1) * 2 > table.length >> 1) {
            final long[] old = table;
            table = new long[old.length * 2];
            for (int i = 0; i < old.length; i += 2) {
                if ((int)old[i + 1] != 0) {
                    place(old[i], old[i + 1]);
                }
            }
        }
        place(key, (long)tenant << 32 | (e + 1));
        tableKeys++;
    }

    private void place(final long key, final long value) {
        final long[] t = table;
        final int mask = (t.length >> 1) - 1;
        int i = hash((int)(value >>> 32), key) & mask;
        while ((int)t[2 * i + 1] != 0) {
            i = (i + 1) & mask;
        }
        t[2 * i] = key;
        t[2 * i + 1] = value;
    }

    /** Linear probing deletion: shifts back the entries after {@code slot} that probed past it. */
    private void remove(final int slot) {
        final long[] t = table;
        final int mask = (t.length >> 1) - 1;
        int hole = slot;
        t[2 * hole] = 0;
        t[2 * hole + 1] = 0;
        int i = hole;
        while (true) {
            i = (i + 1) & mask;
            final long v = t[2 * i + 1];
            if ((int)v == 0) {
                break;
            }
            final int home = hash((int)(v >>> 32), t[2 * i]) & mask;
            // the entry stays when its home lies cyclically in (hole, i]
            final boolean stays = hole <= i ? home > hole && home <= i : home > hole || home <= i;
            if (!stays) {
                t[2 * hole] = t[2 * i];
                t[2 * hole + 1] = v;
                t[2 * i] = 0;
                t[2 * i + 1] = 0;
                hole = i;
            }
        }
        tableKeys--;
    }

    // --------------------------------------------------------------------------------------------------------- heap

    private void push(final int e, final long end) {
        if (3 * heapSize == heap.length) {
            heap = Arrays.copyOf(heap, heap.length * 2);
        }
        final long[] h = heap;
        final int b = e * stride;
        final long seq = data[b + SEQ];
        final long ref = (long)e << 32 | ((data[b + GEN] >>> 1) & 0xffffffffL);
        int i = heapSize++;
        while (i > 0) {
            final int parent = (i - 1) >>> 1;
            if (!before(end, seq, h[3 * parent], h[3 * parent + 1])) {
                break;
            }
            move(h, parent, i);
            i = parent;
        }
        put(h, i, end, seq, ref);
    }

    private void pop() {
        final int last = --heapSize;
        if (last == 0) {
            return;
        }
        final long[] h = heap;
        final long end = h[3 * last];
        final long seq = h[3 * last + 1];
        final long ref = h[3 * last + 2];
        int i = 0;
        while (true) {
            int child = 2 * i + 1;
            if (child >= last) {
                break;
            }
            if (child + 1 < last && before(h[3 * child + 3], h[3 * child + 4], h[3 * child], h[3 * child + 1])) {
                child++;
            }
            if (!before(h[3 * child], h[3 * child + 1], end, seq)) {
                break;
            }
            move(h, child, i);
            i = child;
        }
        put(h, i, end, seq, ref);
    }

    /** Copies heap entry {@code from} (end, seq, ref: three longs) over entry {@code to}. */
    private static void move(final long[] h, final int from, final int to) {
        h[3 * to] = h[3 * from];
        h[3 * to + 1] = h[3 * from + 1];
        h[3 * to + 2] = h[3 * from + 2];
    }

    private static void put(final long[] h, final int i, final long end, final long seq, final long ref) {
        h[3 * i] = end;
        h[3 * i + 1] = seq;
        h[3 * i + 2] = ref;
    }

    private static boolean before(final long end, final long seq, final long otherEnd, final long otherSeq) {
        return end < otherEnd || end == otherEnd && seq < otherSeq;
    }

    // ---------------------------------------------------------------------------------------------------- snapshots

    /**
     * Writes: version (2), the producer's descriptor (name, window, features: a restore into another definition's
     * producer fails), the closed-before watermark, the retention, the count of events for closed windows, the next
     * sequence number, then the open and kept windows in sequence order, each with its tenant, key, start, end,
     * sequence, count, firings, dirty flag and per input the exact integer sum and the sum, sum of squares, min and
     * max (raw double bits). Reads version 1 too (no retention, no window fired).
     */
    @Override
    public void writeSnapshot(final WritableByteChannel out) throws IOException {
        final byte[] desc = descriptor.getBytes(StandardCharsets.UTF_8);
        final int perEntry = 4 + 8 * 7 + inputs * PER_INPUT * 8;
        final ByteBuffer bytes = ByteBuffer.allocate(Math.toIntExact(4 + 4 + desc.length + 8 * 4 + 4 + (long)live * perEntry))
            .order(ByteOrder.LITTLE_ENDIAN);
        bytes.putInt(SNAPSHOT_VERSION).putInt(desc.length).put(desc).putLong(closedBeforeNs).putLong(retainNs)
            .putLong(eventsForClosedWindows).putLong(nextSeq).putInt(live);
        final long[] d = data;
        final Integer[] order = new Integer[live];
        int k = 0;
        for (int e = 0; e < used; e++) {
            if ((d[e * stride + GEN] & 1) != 0) {
                order[k++] = e;
            }
        }
        Arrays.sort(order, (x, y) -> Long.compare(d[x * stride + SEQ], d[y * stride + SEQ]));
        for (final int e : order) {
            final int b = e * stride;
            bytes.putInt((int)d[b + TENANT]).putLong(d[b + KEY]).putLong(d[b + START]).putLong(d[b + END])
                .putLong(d[b + SEQ]).putLong(d[b + COUNT]).putLong(d[b + FIRED]).putLong(d[b + DIRTY]);
            for (int m = b + HEADER; m < b + stride; m++) {
                bytes.putLong(d[m]);
            }
        }
        bytes.flip();
        while (bytes.hasRemaining()) {
            out.write(bytes);
        }
    }

    @Override
    public void readSnapshot(final ReadableByteChannel in) throws IOException {
        final ByteBuffer head = readFully(in, 8);
        final int version = head.getInt();
        if (version != SNAPSHOT_VERSION && version != 1) {
            throw new IOException(name + " snapshot version " + version + ", this build reads 1 and " + SNAPSHOT_VERSION);
        }
        final boolean v1 = version == 1;
        final int length = head.getInt();
        if (length < 0 || length > 1 << 20) {
            throw new IOException(name + " snapshot: a descriptor of " + length + " bytes");
        }
        final String desc = new String(readFully(in, length).array(), StandardCharsets.UTF_8);
        if (!desc.equals(descriptor)) {
            throw new IOException("window snapshot of '" + desc + "', this engine's producer is '" + descriptor + "'");
        }
        final ByteBuffer counters = readFully(in, 8 * (v1 ? 3 : 4) + 4);
        final long closedBefore = counters.getLong();
        final long retain = v1 ? 0 : counters.getLong();
        final long closedEvents = counters.getLong();
        final long seq = counters.getLong();
        final int entries = counters.getInt();
        if (entries < 0 || entries > 1 << 26) {
            throw new IOException(name + " snapshot holds " + entries + " windows");
        }
        clear();
        // the watermark first: it tells which windows sit in a tumbling group
        closedBeforeNs = closedBefore;
        retainNs = retain;
        final ByteBuffer body = readFully(in, Math.toIntExact((long)entries * (4 + 8 * (v1 ? 5 : 7) + inputs * PER_INPUT * 8)));
        for (int i = 0; i < entries; i++) {
            final int tenant = body.getInt();
            final long key = body.getLong();
            final long start = body.getLong();
            final long end = body.getLong();
            final long entrySeq = body.getLong();
            final int e = open(find(tenant, key), tenant, key, start, end, false);
            final int b = e * stride;
            final long[] d = data;
            // open() gave it a fresh sequence number: give it its own
            d[b + SEQ] = entrySeq;
            d[b + COUNT] = body.getLong();
            d[b + FIRED] = v1 ? 0 : body.getLong();
            d[b + DIRTY] = v1 ? 1 : body.getLong();
            for (int m = b + HEADER; m < b + stride; m++) {
                d[m] = body.getLong();
            }
            if (grouped(b)) {
                group(start, e); // in sequence order, as they were
            }
        }
        rebuildHeap();
        eventsForClosedWindows = closedEvents;
        nextSeq = seq;
    }

    private ByteBuffer readFully(final ReadableByteChannel in, final int length) throws IOException {
        final ByteBuffer bytes = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
        while (bytes.hasRemaining()) {
            if (in.read(bytes) < 0) {
                throw new IOException(name + " snapshot ends early");
            }
        }
        return bytes.flip();
    }

    @Override
    public void clear() {
        Arrays.fill(table, 0L);
        for (int e = 0; e < used; e++) {
            data[e * stride + GEN] &= ~1L;
        }
        tableKeys = 0;
        heapSize = 0;
        groupCount = 0;
        freeHead = -1;
        used = 0;
        live = 0;
        nextSeq = 0;
        closedBeforeNs = Long.MIN_VALUE;
        retainNs = 0;
        eventsForClosedWindows = 0;
    }
}
