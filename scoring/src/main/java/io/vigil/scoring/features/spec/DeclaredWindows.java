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
 * {@code gap} after its latest event. An event whose window (after merging) ends at or before the watermark at the
 * last {@link #advance} is not added: its window's result is out (counted in {@link #eventsForClosedWindows()}).
 *
 * <p>Emission order: by window end, then by the window's creation order (a sequence number given at its first event;
 * a merged session keeps the older one's), a function of the events alone; the sequence numbers are checkpointed, so
 * a restored producer emits in the same order. Open windows sit in a min-heap by (end, sequence); a session whose end
 * moves is pushed again and its older heap entry is skipped when it comes up.
 *
 * <p>Not thread-safe: the pipeline thread owns it. Allocation-free in steady state ({@link #addLastEvent()},
 * {@link #advance}); more open windows or keys than seen before grow the arrays.
 */
public final class DeclaredWindows implements EventTimeWindows {
    private static final int SNAPSHOT_VERSION = 1;
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

    // open windows ("entries"), dense arrays indexed by entry
    private int capacity = 16;
    private int[] tenants = new int[capacity];
    private long[] keys = new long[capacity];
    private long[] starts = new long[capacity];
    private long[] ends = new long[capacity];
    private long[] seqs = new long[capacity];
    private int[] gens = new int[capacity];
    /** The next entry of the same key (or of the free list), -1 none. */
    private int[] next = new int[capacity];
    private boolean[] alive = new boolean[capacity];
    private long[] counts = new long[capacity];
    private long[] isums;
    /** Per entry and input: sum, sum of squares, min, max. */
    private double[] moments;
    private int freeHead = -1;
    private int used;
    private int live;
    // (tenant, key) -> index + 1 of the first entry of its chain; 0 free
    private int[] table = new int[32];
    private int tableKeys;
    // min-heap of (end, seq) -> (entry, generation)
    private long[] heapEnd = new long[32];
    private long[] heapSeq = new long[32];
    private int[] heapEntry = new int[32];
    private int[] heapGen = new int[32];
    private int heapSize;
    private int[] scratch = new int[8];

    private long nextSeq;
    private long closedBeforeNs = Long.MIN_VALUE;
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
        this.isums = new long[capacity * Math.max(1, inputs)];
        this.moments = new double[capacity * Math.max(1, inputs) * 4];
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
        counts[e]++;
        final int n = inputs;
        for (int j = 0; j < n; j++) {
            final int reg = inputRegisters[j];
            final double x = c.value(reg);
            final int m = (e * n + j) * 4;
            if (inputIntegral[j]) {
                isums[e * n + j] += c.longValue(reg);
            }
            moments[m] += x;
            moments[m + 1] += x * x;
            if (counts[e] == 1) {
                moments[m + 2] = x;
                moments[m + 3] = x;
            } else {
                moments[m + 2] = Math.min(moments[m + 2], x);
                moments[m + 3] = Math.max(moments[m + 3], x);
            }
        }
        return true;
    }

    private int tumblingEntry(final int tenant, final long key, final long t) {
        final long start = Math.floorDiv(t, lengthNs) * lengthNs;
        final long end = start + lengthNs;
        if (end <= closedBeforeNs) {
            return -1;
        }
        final int slot = find(tenant, key);
        if (slot >= 0) {
            for (int e = table[slot] - 1; e >= 0; e = next[e]) {
                if (starts[e] == start) {
                    return e;
                }
            }
        }
        return open(slot, tenant, key, start, end);
    }

    private int sessionEntry(final int tenant, final long key, final long t) {
        final long end = t > Long.MAX_VALUE - lengthNs ? Long.MAX_VALUE : t + lengthNs;
        final int slot = find(tenant, key);
        int hits = 0;
        if (slot >= 0) {
            for (int e = table[slot] - 1; e >= 0; e = next[e]) {
                if (t < ends[e] && starts[e] < end) {
                    if (hits == scratch.length) {
                        scratch = Arrays.copyOf(scratch, hits * 2);
                    }
                    scratch[hits++] = e;
                }
            }
        }
        if (hits == 0) {
            return end <= closedBeforeNs ? -1 : open(slot, tenant, key, t, end);
        }
        int survivor = scratch[0];
        for (int h = 1; h < hits; h++) {
            if (seqs[scratch[h]] < seqs[survivor]) {
                survivor = scratch[h];
            }
        }
        long newEnd = Math.max(ends[survivor], end);
        long newStart = Math.min(starts[survivor], t);
        for (int h = 0; h < hits; h++) {
            final int other = scratch[h];
            if (other != survivor) {
                newEnd = Math.max(newEnd, ends[other]);
                newStart = Math.min(newStart, starts[other]);
                mergeInto(survivor, other);
                free(other);
            }
        }
        starts[survivor] = newStart;
        if (newEnd != ends[survivor]) {
            ends[survivor] = newEnd;
            gens[survivor]++;
            push(survivor);
        }
        return survivor;
    }

    private void mergeInto(final int dst, final int src) {
        final int n = inputs;
        if (counts[src] == 0) {
            return;
        }
        final boolean empty = counts[dst] == 0;
        counts[dst] += counts[src];
        for (int j = 0; j < n; j++) {
            isums[dst * n + j] += isums[src * n + j];
            final int d = (dst * n + j) * 4;
            final int s = (src * n + j) * 4;
            moments[d] += moments[s];
            moments[d + 1] += moments[s + 1];
            moments[d + 2] = empty ? moments[s + 2] : Math.min(moments[d + 2], moments[s + 2]);
            moments[d + 3] = empty ? moments[s + 3] : Math.max(moments[d + 3], moments[s + 3]);
        }
    }

    // ---------------------------------------------------------------------------------------------------- emission

    @Override
    public int advance(final long watermarkNs, final WindowResultSink sink) {
        if (watermarkNs <= closedBeforeNs) {
            return 0;
        }
        closedBeforeNs = watermarkNs;
        int emitted = 0;
        while (heapSize > 0 && heapEnd[0] <= watermarkNs) {
            final int e = heapEntry[0];
            final int gen = heapGen[0];
            pop();
            if (!alive[e] || gens[e] != gen) {
                continue;
            }
            fill(e);
            sink.onWindow(this, tenants[e], keys[e], starts[e], ends[e], values, values.length);
            emitted++;
            free(e);
        }
        return emitted;
    }

    private void fill(final int e) {
        final long count = counts[e];
        final int n = inputs;
        for (int i = 0; i < aggs.length; i++) {
            final int j = featureInput[i];
            final int m = (e * n + Math.max(j, 0)) * 4;
            final double sum = j < 0 ? 0 : inputIntegral[j] ? (double)isums[e * n + j] : moments[m];
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
                    v = count == 0 ? 0.0 : moments[m + 2];
                    break;
                case MAX:
                    v = count == 0 ? 0.0 : moments[m + 3];
                    break;
                default: {
                    final double mean = count == 0 ? 0.0 : sum / count;
                    v = count == 0 ? 0.0 : Math.sqrt(Math.max(0.0, moments[m + 1] / count - mean * mean));
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

    /** Opens an entry for (tenant, key) at the head of its chain ({@code slot}: its table slot, or -1). */
    private int open(final int slot, final int tenant, final long key, final long start, final long end) {
        final int e = allocate();
        tenants[e] = tenant;
        keys[e] = key;
        starts[e] = start;
        ends[e] = end;
        seqs[e] = nextSeq++;
        alive[e] = true;
        counts[e] = 0;
        final int n = inputs;
        for (int j = 0; j < n; j++) {
            isums[e * n + j] = 0;
            final int m = (e * n + j) * 4;
            moments[m] = 0;
            moments[m + 1] = 0;
            moments[m + 2] = 0;
            moments[m + 3] = 0;
        }
        if (slot >= 0) {
            next[e] = table[slot] - 1;
            table[slot] = e + 1;
        } else {
            next[e] = -1;
            insert(e);
        }
        live++;
        push(e);
        return e;
    }

    private int allocate() {
        if (freeHead >= 0) {
            final int e = freeHead;
            freeHead = next[e];
            return e;
        }
        if (used == capacity) {
            grow();
        }
        return used++;
    }

    private void grow() {
        capacity *= 2;
        tenants = Arrays.copyOf(tenants, capacity);
        keys = Arrays.copyOf(keys, capacity);
        starts = Arrays.copyOf(starts, capacity);
        ends = Arrays.copyOf(ends, capacity);
        seqs = Arrays.copyOf(seqs, capacity);
        gens = Arrays.copyOf(gens, capacity);
        next = Arrays.copyOf(next, capacity);
        alive = Arrays.copyOf(alive, capacity);
        counts = Arrays.copyOf(counts, capacity);
        isums = Arrays.copyOf(isums, capacity * Math.max(1, inputs));
        moments = Arrays.copyOf(moments, capacity * Math.max(1, inputs) * 4);
    }

    /** Closes entry {@code e}: out of its key's chain (and the table when the chain empties), onto the free list. */
    private void free(final int e) {
        final int slot = find(tenants[e], keys[e]);
        final int head = table[slot] - 1;
        if (head == e) {
            if (next[e] < 0) {
                remove(slot);
            } else {
                table[slot] = next[e] + 1;
            }
        } else {
            int p = head;
            while (next[p] != e) {
                p = next[p];
            }
            next[p] = next[e];
        }
        alive[e] = false;
        gens[e]++;
        next[e] = freeHead;
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

    /** @return the table slot of (tenant, key), -1 when it has no open window. */
    private int find(final int tenant, final long key) {
        final int mask = table.length - 1;
        int i = hash(tenant, key) & mask;
        while (true) {
            final int entry = table[i];
            if (entry == 0) {
                return -1;
            }
            if (keys[entry - 1] == key && tenants[entry - 1] == tenant) {
                return i;
            }
            i = (i + 1) & mask;
        }
    }

    private void insert(final int e) {
        if ((tableKeys + 1) * 2 > table.length) {
            final int[] old = table;
            table = new int[old.length * 2];
            for (final int entry : old) {
                if (entry != 0) {
                    place(entry);
                }
            }
        }
        place(e + 1);
        tableKeys++;
    }

    private void place(final int entry) {
        final int mask = table.length - 1;
        int i = hash(tenants[entry - 1], keys[entry - 1]) & mask;
        while (table[i] != 0) {
            i = (i + 1) & mask;
        }
        table[i] = entry;
    }

    /** Linear probing deletion: shifts back the entries after {@code slot} that probed past it. */
    private void remove(final int slot) {
        final int mask = table.length - 1;
        int hole = slot;
        table[hole] = 0;
        int i = hole;
        while (true) {
            i = (i + 1) & mask;
            final int entry = table[i];
            if (entry == 0) {
                break;
            }
            final int home = hash(tenants[entry - 1], keys[entry - 1]) & mask;
            // the entry stays when its home lies cyclically in (hole, i]
            final boolean stays = hole <= i ? home > hole && home <= i : home > hole || home <= i;
            if (!stays) {
                table[hole] = entry;
                table[i] = 0;
                hole = i;
            }
        }
        tableKeys--;
    }

    // --------------------------------------------------------------------------------------------------------- heap

    private void push(final int e) {
        if (heapSize == heapEnd.length) {
            final int n = heapSize * 2;
            heapEnd = Arrays.copyOf(heapEnd, n);
            heapSeq = Arrays.copyOf(heapSeq, n);
            heapEntry = Arrays.copyOf(heapEntry, n);
            heapGen = Arrays.copyOf(heapGen, n);
        }
        int i = heapSize++;
        final long end = ends[e];
        final long seq = seqs[e];
        while (i > 0) {
            final int parent = (i - 1) >>> 1;
            if (!before(end, seq, heapEnd[parent], heapSeq[parent])) {
                break;
            }
            set(i, parent);
            i = parent;
        }
        heapEnd[i] = end;
        heapSeq[i] = seq;
        heapEntry[i] = e;
        heapGen[i] = gens[e];
    }

    private void pop() {
        final int last = --heapSize;
        if (last == 0) {
            return;
        }
        final long end = heapEnd[last];
        final long seq = heapSeq[last];
        final int entry = heapEntry[last];
        final int gen = heapGen[last];
        int i = 0;
        while (true) {
            int child = 2 * i + 1;
            if (child >= last) {
                break;
            }
            if (child + 1 < last && before(heapEnd[child + 1], heapSeq[child + 1], heapEnd[child], heapSeq[child])) {
                child++;
            }
            if (!before(heapEnd[child], heapSeq[child], end, seq)) {
                break;
            }
            set(i, child);
            i = child;
        }
        heapEnd[i] = end;
        heapSeq[i] = seq;
        heapEntry[i] = entry;
        heapGen[i] = gen;
    }

    private void set(final int to, final int from) {
        heapEnd[to] = heapEnd[from];
        heapSeq[to] = heapSeq[from];
        heapEntry[to] = heapEntry[from];
        heapGen[to] = heapGen[from];
    }

    private static boolean before(final long end, final long seq, final long otherEnd, final long otherSeq) {
        return end < otherEnd || end == otherEnd && seq < otherSeq;
    }

    // ---------------------------------------------------------------------------------------------------- snapshots

    /**
     * Writes: version, the producer's descriptor (name, window, features: a restore into another definition's producer
     * fails), the closed-before watermark, the count of events for closed windows, the next sequence number, then the
     * open windows in sequence order, each with its tenant, key, start, end, sequence, count and per input the exact
     * integer sum, sum, sum of squares, min and max.
     */
    @Override
    public void writeSnapshot(final WritableByteChannel out) throws IOException {
        final byte[] d = descriptor.getBytes(StandardCharsets.UTF_8);
        final int perEntry = 4 + 8 * 5 + inputs * 5 * 8;
        final ByteBuffer bytes = ByteBuffer.allocate(Math.toIntExact(4 + 4 + d.length + 8 * 3 + 4 + (long)live * perEntry))
            .order(ByteOrder.LITTLE_ENDIAN);
        bytes.putInt(SNAPSHOT_VERSION).putInt(d.length).put(d).putLong(closedBeforeNs).putLong(eventsForClosedWindows)
            .putLong(nextSeq).putInt(live);
        final Integer[] order = new Integer[live];
        int k = 0;
        for (int e = 0; e < used; e++) {
            if (alive[e]) {
                order[k++] = e;
            }
        }
        Arrays.sort(order, (a, b) -> Long.compare(seqs[a], seqs[b]));
        final int n = inputs;
        for (final int e : order) {
            bytes.putInt(tenants[e]).putLong(keys[e]).putLong(starts[e]).putLong(ends[e]).putLong(seqs[e]).putLong(counts[e]);
            for (int j = 0; j < n; j++) {
                final int m = (e * n + j) * 4;
                bytes.putLong(isums[e * n + j]).putDouble(moments[m]).putDouble(moments[m + 1]).putDouble(moments[m + 2])
                    .putDouble(moments[m + 3]);
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
        if (version != SNAPSHOT_VERSION) {
            throw new IOException(name + " snapshot version " + version + ", this build reads " + SNAPSHOT_VERSION);
        }
        final int length = head.getInt();
        if (length < 0 || length > 1 << 20) {
            throw new IOException(name + " snapshot: a descriptor of " + length + " bytes");
        }
        final String d = new String(readFully(in, length).array(), StandardCharsets.UTF_8);
        if (!d.equals(descriptor)) {
            throw new IOException("window snapshot of '" + d + "', this engine's producer is '" + descriptor + "'");
        }
        final ByteBuffer counters = readFully(in, 8 * 3 + 4);
        final long closedBefore = counters.getLong();
        final long closedEvents = counters.getLong();
        final long seq = counters.getLong();
        final int entries = counters.getInt();
        if (entries < 0 || entries > 1 << 26) {
            throw new IOException(name + " snapshot holds " + entries + " windows");
        }
        clear();
        final int n = inputs;
        final ByteBuffer body = readFully(in, Math.toIntExact((long)entries * (4 + 8 * 5 + n * 5 * 8)));
        for (int i = 0; i < entries; i++) {
            final int tenant = body.getInt();
            final long key = body.getLong();
            final long start = body.getLong();
            final long end = body.getLong();
            final long entrySeq = body.getLong();
            final int e = open(find(tenant, key), tenant, key, start, end);
            // open() pushed it with a fresh sequence: give it its own and push it again (the first entry is stale)
            seqs[e] = entrySeq;
            gens[e]++;
            push(e);
            counts[e] = body.getLong();
            for (int j = 0; j < n; j++) {
                final int m = (e * n + j) * 4;
                isums[e * n + j] = body.getLong();
                moments[m] = body.getDouble();
                moments[m + 1] = body.getDouble();
                moments[m + 2] = body.getDouble();
                moments[m + 3] = body.getDouble();
            }
        }
        // drop the stale heap entries open() made
        compactHeap();
        closedBeforeNs = closedBefore;
        eventsForClosedWindows = closedEvents;
        nextSeq = seq;
    }

    private void compactHeap() {
        final int size = heapSize;
        heapSize = 0;
        final long[] end = heapEnd.clone();
        final int[] entry = heapEntry.clone();
        final int[] gen = heapGen.clone();
        for (int i = 0; i < size; i++) {
            if (alive[entry[i]] && gens[entry[i]] == gen[i] && ends[entry[i]] == end[i]) {
                push(entry[i]);
            }
        }
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
        Arrays.fill(table, 0);
        Arrays.fill(alive, false);
        tableKeys = 0;
        heapSize = 0;
        freeHead = -1;
        used = 0;
        live = 0;
        nextSeq = 0;
        closedBeforeNs = Long.MIN_VALUE;
        eventsForClosedWindows = 0;
    }
}
