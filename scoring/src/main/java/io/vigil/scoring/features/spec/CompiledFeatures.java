package io.vigil.scoring.features.spec;

import java.lang.ref.Reference;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.agrona.UnsafeApi;

import io.vigil.scoring.features.FloatLog;
import io.vigil.scoring.features.spec.FeatureSpec.Feature;
import io.vigil.scoring.features.spec.FeatureSpec.Step;
import io.vigil.scoring.features.spec.FeatureSpec.Window;
import io.vigil.scoring.features.spec.FeatureSpec.WindowType;
import io.vigil.scoring.state.KeyedSlotTable;

/**
 * A {@link FeatureSpec} compiled for one pipeline thread: per entity key a {@link KeyedSlotTable} whose slot holds the
 * state of every feature of that key at offsets fixed at compile time, and a flat array of small operators in
 * dependency order. {@link #onEvent} finds (or adds) the event's slot in each key's table and runs the operators over
 * a register file of doubles (and longs, for integer values, so sums of integers stay exact); it allocates nothing
 * in steady state (a new key allocates native memory only, as in {@link KeyedSlotTable}).
 *
 * <p>State sharing: features that read the same state share it (count, sum, mean, min, max and stddev over one
 * window and input share one ring of buckets; distinct_bitmap and new_value over the same window, input and bits
 * one ring of bitmaps; ewm_mean and ewm_zscore with the same input and parameters one mean/variance pair).
 *
 * <p>Thread safety: not thread-safe; one thread owns an instance.
 */
public final class CompiledFeatures {
    /** The largest slot a key may have. */
    static final int MAX_SLOT_BYTES = 256 * 1024;
    private static final int FIELDS = Field.values().length;

    private final FeatureSpec spec;
    private final String hash;
    private final Group[] groups;
    private final KeyedSlotTable[] tables;
    private final long[] addresses;
    private final boolean[] first;
    private final Op[] ops;
    private final int[] emit;
    private final List<String> names;
    /** Registers: the fields, then one per feature. */
    final double[] v;
    final long[] iv;
    /** Whether a register holds an exact integer (also in {@link #iv}). */
    private boolean[] integralRegisters;
    /** The last event's key in each entity key, and its tenant. */
    private final long[] lastKeys;
    private int lastTenant;

    private CompiledFeatures(final FeatureSpec spec, final List<Group> groups, final List<Op> ops, final int[] emit,
                             final int registers, final long expectedKeys) {
        this.spec = spec;
        this.hash = spec.hash();
        this.groups = groups.toArray(new Group[0]);
        this.tables = new KeyedSlotTable[groups.size()];
        for (int g = 0; g < tables.length; g++) {
            tables[g] = new KeyedSlotTable(groups.get(g).slotBytes, Math.max(1, expectedKeys));
        }
        this.addresses = new long[groups.size()];
        this.first = new boolean[groups.size()];
        this.ops = ops.toArray(new Op[0]);
        this.emit = emit;
        this.names = spec.emittedNames();
        this.v = new double[registers];
        this.iv = new long[registers];
        this.lastKeys = new long[groups.size()];
    }

    /** Compiles {@code spec} with state capacity for {@code expectedKeys} keys per entity key at once. */
    public static CompiledFeatures compile(final FeatureSpec spec, final long expectedKeys) {
        return new Compiler(spec).compile(expectedKeys);
    }

    /** @return the spec compiled. */
    public FeatureSpec spec() {
        return spec;
    }

    /** @return the spec's content hash ({@link FeatureSpec#hash()}). */
    public String hash() {
        return hash;
    }

    /** @return the number of floats {@link #onEvent} writes. */
    public int width() {
        return emit.length;
    }

    /** @return the emitted features' names, in vector order. */
    public List<String> names() {
        return names;
    }

    /**
     * @return the index of entity key {@code key} (a feature's {@link Feature#key()}) among the compiled ones, -1 when
     * no stateful feature has that key.
     */
    public int group(final List<Field> key) {
        for (int g = 0; g < groups.length; g++) {
            if (groups[g].key.equals(key)) {
                return g;
            }
        }
        return -1;
    }

    /**
     * @return the 64-bit key of entity key {@code group} of the last event {@link #onEvent} computed: its fields packed
     * when they fit 64 bits, else their hash (see docs/features.md "Fields and entity keys").
     */
    public long lastKey(final int group) {
        return lastKeys[group];
    }

    /** @return the tenant of the last event {@link #onEvent} computed. */
    public int lastTenant() {
        return lastTenant;
    }

    /**
     * @return the register of a feature, or of an event field, by name (a feature first, as references resolve);
     * -1 when neither. Registers of the last event are read with {@link #value} and {@link #longValue}.
     */
    public int register(final String name) {
        final List<Feature> fs = spec.features();
        for (int i = 0; i < fs.size(); i++) {
            if (fs.get(i).name().equals(name)) {
                return FIELDS + i;
            }
        }
        final Field f = Field.byName(name);
        return f == null ? -1 : f.ordinal();
    }

    /** @return register {@code reg}'s value for the last event {@link #onEvent} computed. */
    public double value(final int reg) {
        return v[reg];
    }

    /** @return register {@code reg}'s exact integer value for the last event, when {@link #integral}. */
    public long longValue(final int reg) {
        return iv[reg];
    }

    /** @return whether register {@code reg} holds an exact integer (fields, counts, sums of integers, clamps of them). */
    public boolean integral(final int reg) {
        return integralRegisters[reg];
    }

    /** @return keys with state in entity key {@code group} (see {@link #layout()} for the groups' order). */
    public long keys(final int group) {
        return tables[group].size();
    }

    /** @return the bytes of one slot of each entity key, in {@link #layout()} order. */
    public int[] slotBytes() {
        final int[] b = new int[groups.length];
        for (int g = 0; g < b.length; g++) {
            b[g] = groups[g].slotBytes;
        }
        return b;
    }

    /** @return a description of the compiled state: per entity key its slot size and each state's offset and size. */
    public String layout() {
        final StringBuilder sb = new StringBuilder();
        for (final Group g : groups) {
            sb.append("key (tenant").append(g.key.isEmpty() ? "" : ", ");
            for (int i = 0; i < g.key.size(); i++) {
                sb.append(i == 0 ? "" : ", ").append(g.key.get(i).specName());
            }
            sb.append("): ").append(g.slotBytes).append(" bytes per key (").append(g.stateBytes).append(" state, ")
                .append(KeyedSlotTable.TRAILER_BYTES).append(" key, the rest alignment to 64)\n");
            for (final String s : g.states) {
                sb.append("  ").append(s).append('\n');
            }
        }
        sb.append("stateless: ").append(ops.length - countStateful()).append(" operators; ").append(ops.length)
            .append(" operators in all\n");
        return sb.toString();
    }

    private int countStateful() {
        int n = 0;
        for (final Op op : ops) {
            n += op.group >= 0 ? 1 : 0;
        }
        return n;
    }

    /**
     * Computes the features of one event and updates the state of its keys.
     *
     * @param out receives {@link #width()} floats at {@code outOffset}, in {@link #names()} order.
     */
    public void onEvent(final FeatureEvent e, final float[] out, final int outOffset) {
        final double[] v = this.v;
        final long[] iv = this.iv;
        iv[0] = e.account;
        iv[1] = e.merchant;
        iv[2] = e.mcc;
        iv[3] = e.amountMinor;
        iv[4] = e.channel;
        iv[5] = e.country;
        iv[6] = e.currency;
        iv[7] = e.eventTimeNs;
        for (int i = 0; i < FIELDS; i++) {
            v[i] = iv[i];
        }
        final Group[] gs = groups;
        for (int g = 0; g < gs.length; g++) {
            final KeyedSlotTable t = tables[g];
            final long key = gs[g].key(e);
            long slot = t.find(e.tenant, key);
            final boolean isNew = slot == KeyedSlotTable.MISSING;
            if (isNew) {
                slot = t.add(e.tenant, key);
            } else {
                t.beforeUpdate(slot);
            }
            addresses[g] = t.address(slot);
            first[g] = isNew;
            lastKeys[g] = key;
        }
        lastTenant = e.tenant;
        final long time = e.eventTimeNs;
        for (final Op op : ops) {
            final int g = op.group;
            if (g >= 0) {
                op.run(this, addresses[g] + op.offset, first[g], time);
            } else {
                op.run(this, 0, false, time);
            }
        }
        final int[] em = emit;
        for (int i = 0; i < em.length; i++) {
            out[outOffset + i] = (float)v[em[i]];
        }
        Reference.reachabilityFence(this);
    }

    // --------------------------------------------------------------------------------------------------- snapshots

    private static final int SNAPSHOT_MAGIC = 0x56434653; // "VCFS"
    private static final int SNAPSHOT_FORMAT = 1;

    /** @return the header of a snapshot: magic, format, the spec hash (64 ASCII bytes), the tables and their sizes. */
    private java.nio.ByteBuffer header(final long[] counts) {
        final java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(16 + 64 + groups.length * 12)
            .order(java.nio.ByteOrder.LITTLE_ENDIAN);
        b.putInt(SNAPSHOT_MAGIC).putInt(SNAPSHOT_FORMAT).putInt(groups.length).putInt(0);
        b.put(hash.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        for (int g = 0; g < groups.length; g++) {
            b.putInt(groups[g].slotBytes).putLong(counts[g]);
        }
        return b.flip();
    }

    /**
     * Writes all state on this (the owner) thread: a header naming the spec's hash, then each entity key's slots.
     * Allocates; control plane only.
     */
    public void writeSnapshot(final java.nio.channels.WritableByteChannel channel) throws java.io.IOException {
        final long[] counts = new long[tables.length];
        for (int g = 0; g < counts.length; g++) {
            counts[g] = tables[g].size();
        }
        writeFully(channel, header(counts));
        for (final KeyedSlotTable t : tables) {
            t.writeSlots(channel);
        }
    }

    /**
     * Fixes all state as it is now for {@link Snapshot#writeTo} on another thread (copy-on-write per table, see
     * {@link KeyedSlotTable#beginSnapshot}). Owner thread; close the snapshot before beginning the next one.
     */
    public Snapshot beginSnapshot() {
        final KeyedSlotTable.Snapshot[] s = new KeyedSlotTable.Snapshot[tables.length];
        try {
            for (int g = 0; g < s.length; g++) {
                s[g] = tables[g].beginSnapshot();
            }
        } catch (final RuntimeException e) {
            for (final KeyedSlotTable.Snapshot x : s) {
                if (x != null) {
                    x.close();
                }
            }
            throw e;
        }
        return new Snapshot(s);
    }

    /**
     * Replaces all state with a snapshot of {@link #writeSnapshot} or {@link Snapshot#writeTo}. Allocates; control
     * plane only; not while a snapshot is open.
     *
     * @throws java.io.IOException if the stream ends early or the snapshot was taken with another feature definition
     *                             (another hash: the message names both).
     */
    public void readSnapshot(final java.nio.channels.ReadableByteChannel channel) throws java.io.IOException {
        final java.nio.ByteBuffer fixed = java.nio.ByteBuffer.allocate(16 + 64).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        readFully(channel, fixed);
        fixed.flip();
        if (fixed.getInt() != SNAPSHOT_MAGIC) {
            throw new java.io.IOException("not a snapshot of compiled features (feature definition " + spec.name() + ")");
        }
        final int format = fixed.getInt();
        if (format != SNAPSHOT_FORMAT) {
            throw new java.io.IOException("compiled features snapshot format " + format + ", this version reads " + SNAPSHOT_FORMAT);
        }
        final int count = fixed.getInt();
        fixed.getInt();
        final byte[] h = new byte[64];
        fixed.get(h);
        final String theirs = new String(h, java.nio.charset.StandardCharsets.US_ASCII);
        if (!theirs.equals(hash)) {
            throw new java.io.IOException("the snapshot's features were computed by the feature definition with hash " + theirs +
                ", this engine runs " + spec.name() + " " + spec.version() + " with hash " + hash);
        }
        if (count != groups.length) {
            throw new java.io.IOException("snapshot has " + count + " entity keys, the definition " + groups.length);
        }
        final java.nio.ByteBuffer sizes = java.nio.ByteBuffer.allocate(count * 12).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        readFully(channel, sizes);
        sizes.flip();
        final long[] slots = new long[count];
        for (int g = 0; g < count; g++) {
            final int bytes = sizes.getInt();
            slots[g] = sizes.getLong();
            if (bytes != groups[g].slotBytes || slots[g] < 0) {
                throw new java.io.IOException("snapshot slot size " + bytes + " for key " + groups[g].key + ", the definition has " +
                    groups[g].slotBytes);
            }
        }
        for (int g = 0; g < count; g++) {
            tables[g].clear();
            tables[g].readSlots(channel, slots[g]);
        }
    }

    /**
     * The state of every entity key at {@link CompiledFeatures#beginSnapshot()}, for writing on any thread while the
     * owner goes on. Always {@link #close()} it. Thread safety: one thread at a time.
     */
    public final class Snapshot implements AutoCloseable {
        private final KeyedSlotTable.Snapshot[] slots;

        Snapshot(final KeyedSlotTable.Snapshot[] slots) {
            this.slots = slots;
        }

        /** @return bytes {@link #writeTo} writes. */
        public long bytes() {
            long n = 16 + 64 + groups.length * 12L;
            for (int g = 0; g < slots.length; g++) {
                n += slots[g].slots() * groups[g].slotBytes;
            }
            return n;
        }

        /** Writes the snapshot in the format of {@link CompiledFeatures#writeSnapshot}. Once; any thread. */
        public void writeTo(final java.nio.channels.WritableByteChannel channel) throws java.io.IOException {
            final long[] counts = new long[slots.length];
            for (int g = 0; g < counts.length; g++) {
                counts[g] = slots[g].slots();
            }
            writeFully(channel, header(counts));
            for (final KeyedSlotTable.Snapshot s : slots) {
                s.writeSlots(channel);
            }
        }

        @Override
        public void close() {
            for (final KeyedSlotTable.Snapshot s : slots) {
                s.close();
            }
        }
    }

    private static void writeFully(final java.nio.channels.WritableByteChannel channel, final java.nio.ByteBuffer b)
        throws java.io.IOException {
        while (b.hasRemaining()) {
            channel.write(b);
        }
    }

    private static void readFully(final java.nio.channels.ReadableByteChannel channel, final java.nio.ByteBuffer b)
        throws java.io.IOException {
        while (b.hasRemaining()) {
            if (channel.read(b) < 0) {
                throw new java.io.IOException("snapshot ends early");
            }
        }
    }

    /** @return keys with state, over all entity keys. */
    public long keys() {
        long n = 0;
        for (final KeyedSlotTable t : tables) {
            n += t.size();
        }
        return n;
    }

    // ---------------------------------------------------------------------------------------------------- compiler

    /** An entity key: the fields packed (or hashed) into the table's long key. */
    static final class Group {
        final List<Field> key;
        final Field[] fields;
        final boolean packed;
        int stateBytes;
        int slotBytes;
        final List<String> states = new ArrayList<>();

        Group(final List<Field> key) {
            this.key = key;
            this.fields = key.toArray(new Field[0]);
            int bits = 0;
            for (final Field f : fields) {
                bits += f.bits();
            }
            this.packed = bits <= 64;
        }

        int allocate(final int bytes, final String description) {
            final int at = stateBytes;
            stateBytes += (bytes + 7) & ~7;
            states.add(String.format("@%-6d %6d B  %s", at, (bytes + 7) & ~7, description));
            return at;
        }

        /**
         * The key of {@code e}: the fields' low bits concatenated when they fit 64 bits (exact), else a 64-bit hash of
         * them (a collision of two keys is possible, with probability about n^2 / 2^65 for n keys).
         */
        long key(final FeatureEvent e) {
            final Field[] fs = fields;
            if (packed) {
                long k = 0;
                for (final Field f : fs) {
                    final int b = f.bits();
                    k = b == 64 ? e.get(f) : (k << b) | (e.get(f) & ((1L << b) - 1));
                }
                return k;
            }
            long h = 0x9E3779B97F4A7C15L;
            for (final Field f : fs) {
                h = mix(h ^ mix(e.get(f) + f.ordinal()));
            }
            return h;
        }
    }

    private static final class Compiler {
        private final FeatureSpec spec;
        private final Map<String, Integer> register = new HashMap<>();
        private final Map<Integer, Boolean> integral = new HashMap<>();
        private final Map<List<Field>, Group> groups = new LinkedHashMap<>();
        private final Map<String, Op> shared = new HashMap<>();
        private final List<Op> ops = new ArrayList<>();
        /** Registers read by some operator (their values are not only emitted). */
        private final java.util.Set<Integer> read = new java.util.HashSet<>();

        Compiler(final FeatureSpec spec) {
            this.spec = spec;
        }

        CompiledFeatures compile(final long expectedKeys) {
            for (final Field f : Field.values()) {
                register.put("field:" + f.specName(), f.ordinal());
                integral.put(f.ordinal(), true);
            }
            int next = FIELDS;
            for (final Feature f : spec.features()) {
                register.put(f.name(), next++);
            }
            for (final Feature f : spec.features()) {
                for (final String r : FeatureSpecParser.references(f)) {
                    read.add(r.equals(f.name()) ? reg("field:" + r) : reg(r));
                }
            }
            // typing: integral values stay integral through clamps and exact aggregations (in dependency order)
            final List<Feature> order = dependencyOrder();
            for (final Feature f : order) {
                integral.put(reg(f.name()), isIntegral(f));
            }
            for (final Feature f : order) {
                add(f);
            }
            // counts attach to a moments ring of their window, whatever its input (one ring, as TransactionFeatures)
            final List<Op> sorted = sortOps();
            final List<Group> gs = new ArrayList<>(groups.values());
            for (final Group g : gs) {
                final int bytes = g.stateBytes + KeyedSlotTable.TRAILER_BYTES;
                g.slotBytes = (bytes + 63) & ~63;
                if (g.slotBytes > MAX_SLOT_BYTES) {
                    throw new FeatureSpecException("key " + g.key + ": " + g.slotBytes + " bytes of state per key, at most " +
                        MAX_SLOT_BYTES + " (largest: distinct precision and window buckets)");
                }
            }
            final List<String> emitted = spec.emittedNames();
            final int[] emit = new int[emitted.size()];
            for (int i = 0; i < emit.length; i++) {
                emit[i] = reg(emitted.get(i));
            }
            final CompiledFeatures compiled = new CompiledFeatures(spec, gs, sorted, emit, next, expectedKeys);
            compiled.integralRegisters = new boolean[next];
            for (final Map.Entry<Integer, Boolean> e : integral.entrySet()) {
                compiled.integralRegisters[e.getKey()] = e.getValue();
            }
            return compiled;
        }

        private int reg(final String name) {
            final Integer r = register.get(name);
            if (r != null) {
                return r;
            }
            return register.get("field:" + name);
        }

        /** The register a value feature reads: a feature named like a field ({@code channel}) reads the field. */
        private int source(final Feature f) {
            return f.source().equals(f.name()) ? reg("field:" + f.source()) : reg(f.source());
        }

        private boolean isIntegral(final Feature f) {
            final boolean exactSteps = f.transform().stream().allMatch(s ->
                (s.op().equals("clamp_min") || s.op().equals("clamp_max")) && s.arg() == Math.rint(s.arg()) &&
                    Math.abs(s.arg()) < 0x1p62);
            switch (f.kind()) {
                case VALUE:
                    return integral.get(source(f)) && exactSteps;
                case AGGREGATE:
                    switch (f.aggregation()) {
                        case COUNT:
                            return exactSteps;
                        case SUM:
                            return integral.get(reg(f.source())) && exactSteps;
                        default:
                            return false;
                    }
                default:
                    return false;
            }
        }

        /** Features ordered so that every feature comes after what it reads (stable: declaration order otherwise). */
        private List<Feature> dependencyOrder() {
            final List<Feature> out = new ArrayList<>();
            final java.util.Set<String> done = new java.util.HashSet<>();
            final Map<String, Feature> byName = new HashMap<>();
            spec.features().forEach(f -> byName.put(f.name(), f));
            for (final Feature f : spec.features()) {
                visit(f, byName, done, out);
            }
            return out;
        }

        private void visit(final Feature f, final Map<String, Feature> byName, final java.util.Set<String> done,
                           final List<Feature> out) {
            if (!done.add(f.name())) {
                return;
            }
            for (final String r : FeatureSpecParser.references(f)) {
                final Feature g = byName.get(r);
                if (g != null && g != f) {
                    visit(g, byName, done, out);
                }
            }
            out.add(f);
        }

        private Group group(final List<Field> key) {
            return groups.computeIfAbsent(key, Group::new);
        }

        private int groupIndex(final Group g) {
            int i = 0;
            for (final Group x : groups.values()) {
                if (x == g) {
                    return i;
                }
                i++;
            }
            throw new IllegalStateException();
        }

        private Out out(final Feature f) {
            final int r = reg(f.name());
            return new Out(r, f.transform(), integral.get(r), !read.contains(r));
        }

        private void add(final Feature f) {
            final Out out = out(f);
            switch (f.kind()) {
                case VALUE:
                    ops.add(new ValueOp(source(f), out).deps(source(f)));
                    return;
                case DERIVED: {
                    final int[] in = f.operands().stream().mapToInt(this::reg).toArray();
                    ops.add(new DerivedOp(f.derivation(), in, f.params().getOrDefault("on_zero", 0.0),
                        f.params().getOrDefault("std_floor", 0.0), out).deps(in));
                    return;
                }
                default:
                    break;
            }
            final Group g = group(f.key());
            final int gi = groupIndex(g);
            final Aggregation agg = f.aggregation();
            final int in = f.source() == null ? -1 : reg(f.source());
            final String keyName = g.key.toString();
            if (agg.windowed()) {
                final Window w = spec.windows().get(f.window());
                final CellKind kind = agg == Aggregation.DISTINCT ? CellKind.HLL :
                    agg == Aggregation.DISTINCT_BITMAP || agg == Aggregation.NEW_VALUE ? CellKind.BITMAP : CellKind.MOMENTS;
                final int param = kind == CellKind.HLL ? (int)f.param("precision") :
                    kind == CellKind.BITMAP ? (int)f.param("bits") : 0;
                WindowOp op;
                if (kind == CellKind.MOMENTS && in < 0) {
                    // a count: any moments window of this key and window will do
                    op = (WindowOp)shared.entrySet().stream()
                        .filter(e -> e.getKey().startsWith("moments|" + keyName + "|" + w.name() + "|"))
                        .map(Map.Entry::getValue).findFirst().orElse(null);
                    if (op == null) {
                        op = newWindowOp(w, kind, param, in, gi, null);
                        shared.put("moments|" + keyName + "|" + w.name() + "|-1", op);
                    }
                } else {
                    final String sig = kind.name().toLowerCase(java.util.Locale.ROOT) + "|" + keyName + "|" + w.name() + "|" +
                        in + "|" + param;
                    op = (WindowOp)shared.get(sig);
                    if (op == null) {
                        // a count-only ring of this window may already exist: give it this input
                        final String countSig = "moments|" + keyName + "|" + w.name() + "|-1";
                        if (kind == CellKind.MOMENTS && shared.containsKey(countSig)) {
                            op = (WindowOp)shared.remove(countSig);
                            op.setInput(in, integral.get(in), f.source());
                        } else {
                            op = newWindowOp(w, kind, param, in, gi, f.source());
                        }
                        shared.put(sig, op);
                    }
                }
                op.attach(agg, f.excludeCurrent(), out, f.name());
                return;
            }
            switch (agg) {
                case EWM_MEAN:
                case EWM_ZSCORE: {
                    final String sig = "ewm|" + keyName + "|" + in + "|" + f.param("alpha") + "|" + f.param("clip_stds") + "|" +
                        f.param("std_floor") + "|" + f.param("initial_variance");
                    EwmOp op = (EwmOp)shared.get(sig);
                    if (op == null) {
                        op = new EwmOp(in, f.param("alpha"), f.param("clip_stds"), f.param("std_floor"),
                            f.param("initial_variance"));
                        op.deps(in);
                        op.place(gi, g.allocate(16, "ewm mean, variance of " + f.source()));
                        shared.put(sig, op);
                        ops.add(op);
                    }
                    op.attach(agg == Aggregation.EWM_ZSCORE, out, f.name(), g);
                    return;
                }
                case EWMA: {
                    final Op op = new EwmaOp(in, f.param("alpha"), out).deps(in);
                    op.place(gi, g.allocate(8, "ewma of " + f.source() + ": " + f.name()));
                    ops.add(op);
                    return;
                }
                case TIME_SINCE_LAST: {
                    final Op op = new TimeSinceLastOp(f.param("max"), f.param("initial"), out);
                    op.place(gi, g.allocate(8, "latest event time: " + f.name()));
                    ops.add(op);
                    return;
                }
                case LAST: {
                    final Op op = new LastOp(in, f.param("initial"), out).deps(in);
                    op.place(gi, g.allocate(16, "latest event time and value of " + f.source() + ": " + f.name()));
                    ops.add(op);
                    return;
                }
                case DECAYED_COUNT:
                case DECAYED_SUM: {
                    final Op op = new DecayOp(agg == Aggregation.DECAYED_SUM ? in : -1, f.param("half_life"), out);
                    if (in >= 0) {
                        op.deps(in);
                    }
                    op.place(gi, g.allocate(16, "decayed value and its time: " + f.name()));
                    ops.add(op);
                    return;
                }
                default:
                    throw new IllegalStateException(agg.name());
            }
        }

        private WindowOp newWindowOp(final Window w, final CellKind kind, final int param, final int in, final int gi,
                                     final String inName) {
            final WindowOp op = w.type() == WindowType.SESSION ? new SessionOp(w, kind, param) : new RingOp(w, kind, param);
            if (in >= 0) {
                op.setInput(in, integral.get(in), inName);
            }
            op.group = gi;
            ops.add(op);
            return op;
        }

        /** Lays out the window operators' state, then orders all operators by their dependencies. */
        private List<Op> sortOps() {
            for (final Op op : ops) {
                if (op instanceof WindowOp) {
                    final WindowOp w = (WindowOp)op;
                    final Group g = (Group)groups.values().toArray()[w.group];
                    w.layout();
                    w.offset = g.allocate(w.bytes(), w.describe());
                }
            }
            final Map<Integer, Op> producer = new HashMap<>();
            for (final Op op : ops) {
                for (final int r : op.outputs()) {
                    producer.put(r, op);
                }
            }
            final List<Op> sorted = new ArrayList<>();
            final java.util.Set<Op> done = new java.util.HashSet<>();
            for (final Op op : ops) {
                visitOp(op, producer, done, sorted, new java.util.HashSet<>());
            }
            return sorted;
        }

        private void visitOp(final Op op, final Map<Integer, Op> producer, final java.util.Set<Op> done, final List<Op> out,
                             final java.util.Set<Op> visiting) {
            if (done.contains(op)) {
                return;
            }
            if (!visiting.add(op)) {
                throw new FeatureSpecException("features " + op.outputNames() +
                    ": share state with a feature they depend on (a cycle through shared state)");
            }
            for (final int r : op.inputs()) {
                final Op p = producer.get(r);
                if (p != null && p != op) {
                    visitOp(p, producer, done, out, visiting);
                }
            }
            done.add(op);
            out.add(op);
        }
    }

    // --------------------------------------------------------------------------------------------------- operators

    /** Where an operator writes a feature's value, with the feature's transform. */
    static final class Out {
        static final int ADD = 0;
        static final int MULTIPLY = 1;
        static final int DIVIDE = 2;
        static final int CLAMP_MIN = 3;
        static final int CLAMP_MAX = 4;
        static final int LOG1P = 5;
        static final int ABS = 6;

        final int reg;
        final int[] ops;
        final double[] args;
        final boolean integral;
        /** The value is only emitted (as a float): a final log1p may round straight to float (same float). */
        final boolean floatFinal;

        Out(final int reg, final List<Step> steps, final boolean integral, final boolean onlyEmitted) {
            this.reg = reg;
            this.ops = new int[steps.size()];
            this.args = new double[steps.size()];
            for (int i = 0; i < ops.length; i++) {
                ops[i] = List.of("add", "multiply", "divide", "clamp_min", "clamp_max", "log1p", "abs").indexOf(steps.get(i).op());
                args[i] = steps.get(i).arg();
            }
            this.integral = integral;
            this.floatFinal = onlyEmitted;
        }

        void put(final CompiledFeatures c, final double value) {
            double x = value;
            final int[] o = ops;
            for (int i = 0; i < o.length; i++) {
                final double a = args[i];
                switch (o[i]) {
                    case ADD: x = x + a; break;
                    case MULTIPLY: x = x * a; break;
                    case DIVIDE: x = x / a; break;
                    case CLAMP_MIN: x = x < a ? a : x; break;
                    case CLAMP_MAX: x = x > a ? a : x; break;
                    case LOG1P: x = floatFinal && i == o.length - 1 ? FloatLog.log1p(x) : Math.log1p(x); break;
                    default: x = Math.abs(x); break;
                }
            }
            c.v[reg] = x;
        }

        /** An integral value: through the clamps in long arithmetic (exact), also as a double. */
        void putLong(final CompiledFeatures c, final long value) {
            if (!integral) {
                put(c, value);
                return;
            }
            long x = value;
            final int[] o = ops;
            for (int i = 0; i < o.length; i++) {
                final long a = (long)args[i];
                x = o[i] == CLAMP_MIN ? Math.max(x, a) : Math.min(x, a);
            }
            c.iv[reg] = x;
            c.v[reg] = x;
        }
    }

    /** One step of the program. {@link #group} &lt; 0: stateless. */
    abstract static class Op {
        int group = -1;
        int offset;
        private int[] inputs = new int[0];

        Op deps(final int... in) {
            inputs = in.clone();
            return this;
        }

        void place(final int g, final int at) {
            group = g;
            offset = at;
        }

        int[] inputs() {
            return inputs;
        }

        abstract int[] outputs();

        String outputNames() {
            return java.util.Arrays.toString(outputs());
        }

        /**
         * @param a     the address of this operator's state in the key's slot (0 when stateless).
         * @param first whether the key is new with this event.
         */
        abstract void run(CompiledFeatures c, long a, boolean first, long time);
    }

    static final class ValueOp extends Op {
        private final int in;
        private final Out out;

        ValueOp(final int in, final Out out) {
            this.in = in;
            this.out = out;
        }

        @Override
        int[] outputs() {
            return new int[] {out.reg};
        }

        @Override
        void run(final CompiledFeatures c, final long a, final boolean first, final long time) {
            if (out.integral) {
                out.putLong(c, c.iv[in]);
            } else {
                out.put(c, c.v[in]);
            }
        }
    }

    static final class DerivedOp extends Op {
        private final Aggregation.Derivation derivation;
        private final int[] in;
        private final double onZero;
        private final double stdFloor;
        private final Out out;

        DerivedOp(final Aggregation.Derivation derivation, final int[] in, final double onZero, final double stdFloor,
                  final Out out) {
            this.derivation = derivation;
            this.in = in;
            this.onZero = onZero;
            this.stdFloor = stdFloor;
            this.out = out;
        }

        @Override
        int[] outputs() {
            return new int[] {out.reg};
        }

        @Override
        void run(final CompiledFeatures c, final long a, final boolean first, final long time) {
            final double[] v = c.v;
            final double x;
            switch (derivation) {
                case RATIO: {
                    final double d = v[in[1]];
                    x = d == 0 ? onZero : v[in[0]] / d;
                    break;
                }
                case DIFFERENCE:
                    x = v[in[0]] - v[in[1]];
                    break;
                default: {
                    final double std = Math.max(v[in[2]], stdFloor);
                    x = std == 0 ? 0 : (v[in[0]] - v[in[1]]) / std;
                    break;
                }
            }
            out.put(c, x);
        }
    }

    /**
     * The clipped EWMA/EWMV pair of TransactionFeatures: per event, against the state before it, {@code std =
     * max(sqrt(var), floor)}, {@code z = (x - mean) / std}, {@code d = clip(x - mean, ±clip·std)}, {@code mean += a·d},
     * {@code var = (1 - a)·(var + a·d²)}. The first event sets {@code mean = x}, {@code var = initial_variance}; its
     * mean output is x and its z 0.
     */
    static final class EwmOp extends Op {
        private final int in;
        private final double alpha;
        private final double clipStds;
        private final double floor;
        private final double initialVariance;
        private Out mean;
        private Out z;

        EwmOp(final int in, final double alpha, final double clipStds, final double floor, final double initialVariance) {
            this.in = in;
            this.alpha = alpha;
            this.clipStds = clipStds;
            this.floor = floor;
            this.initialVariance = initialVariance;
        }

        void attach(final boolean zscore, final Out out, final String name, final Group g) {
            if (zscore ? z != null : mean != null) {
                // two identical features: the parser forbids duplicate names, not duplicate definitions
                throw new FeatureSpecException("feature '" + name + "': the same as another feature of key " + g.key);
            }
            if (zscore) {
                z = out;
            } else {
                mean = out;
            }
        }

        @Override
        int[] outputs() {
            return mean == null ? new int[] {z.reg} : z == null ? new int[] {mean.reg} : new int[] {mean.reg, z.reg};
        }

        @Override
        void run(final CompiledFeatures c, final long a, final boolean first, final long time) {
            final double x = c.v[in];
            final double m;
            final double zs;
            if (first) {
                m = x;
                zs = 0.0;
                UnsafeApi.putDouble(a, x);
                UnsafeApi.putDouble(a + 8, initialVariance);
            } else {
                m = UnsafeApi.getDouble(a);
                final double var = UnsafeApi.getDouble(a + 8);
                final double std = Math.max(Math.sqrt(var), floor);
                zs = std == 0 ? 0.0 : (x - m) / std;
                final double d = clip(x - m, clipStds * std);
                UnsafeApi.putDouble(a, m + alpha * d);
                UnsafeApi.putDouble(a + 8, (1.0 - alpha) * (var + alpha * d * d));
            }
            if (mean != null) {
                mean.put(c, m);
            }
            if (z != null) {
                z.put(c, zs);
            }
        }

        private static double clip(final double value, final double limit) {
            return value > limit ? limit : value < -limit ? -limit : value;
        }
    }

    /** {@code m = x} for the first event, else {@code m + alpha·(x - m)}; the value after the update. */
    static final class EwmaOp extends Op {
        private final int in;
        private final double alpha;
        private final Out out;

        EwmaOp(final int in, final double alpha, final Out out) {
            this.in = in;
            this.alpha = alpha;
            this.out = out;
        }

        @Override
        int[] outputs() {
            return new int[] {out.reg};
        }

        @Override
        void run(final CompiledFeatures c, final long a, final boolean first, final long time) {
            final double x = c.v[in];
            final double m;
            if (first) {
                m = x;
            } else {
                final double old = UnsafeApi.getDouble(a);
                m = old + alpha * (x - old);
            }
            UnsafeApi.putDouble(a, m);
            out.put(c, m);
        }
    }

    /**
     * Seconds since the key's latest earlier event time, {@code min(max, gap)}; {@code initial} for the key's first
     * event, 0 for an event not later than the latest (late, or at the same time), which leaves the latest time.
     */
    static final class TimeSinceLastOp extends Op {
        private final double max;
        private final double initial;
        private final Out out;

        TimeSinceLastOp(final double max, final double initial, final Out out) {
            this.max = max;
            this.initial = initial;
            this.out = out;
        }

        @Override
        int[] outputs() {
            return new int[] {out.reg};
        }

        @Override
        void run(final CompiledFeatures c, final long a, final boolean first, final long time) {
            final double s;
            if (first) {
                s = initial;
                UnsafeApi.putLong(a, time);
            } else {
                final long gap = time - UnsafeApi.getLong(a);
                if (gap <= 0) {
                    s = 0.0;
                } else {
                    s = Math.min(max, gap / 1e9);
                    UnsafeApi.putLong(a, time);
                }
            }
            out.put(c, s);
        }
    }

    /**
     * The value of the key's latest earlier event in event time ({@code initial} for the first event); an event at or
     * after the latest time becomes the latest.
     */
    static final class LastOp extends Op {
        private final int in;
        private final double initial;
        private final Out out;

        LastOp(final int in, final double initial, final Out out) {
            this.in = in;
            this.initial = initial;
            this.out = out;
        }

        @Override
        int[] outputs() {
            return new int[] {out.reg};
        }

        @Override
        void run(final CompiledFeatures c, final long a, final boolean first, final long time) {
            final double x = c.v[in];
            if (first) {
                out.put(c, initial);
                UnsafeApi.putLong(a, time);
                UnsafeApi.putDouble(a + 8, x);
                return;
            }
            out.put(c, UnsafeApi.getDouble(a + 8));
            if (time >= UnsafeApi.getLong(a)) {
                UnsafeApi.putLong(a, time);
                UnsafeApi.putDouble(a + 8, x);
            }
        }
    }

    /**
     * An exponentially decayed count (weight 1) or sum: each event weighs {@code 2^(-age / half_life)}, ages measured
     * from the key's latest event time; the value as of that time, this event included.
     */
    static final class DecayOp extends Op {
        private final int in;
        private final double lambda;
        private final Out out;

        DecayOp(final int in, final double halfLifeNs, final Out out) {
            this.in = in;
            this.lambda = Math.log(2.0) / halfLifeNs;
            this.out = out;
        }

        @Override
        int[] outputs() {
            return new int[] {out.reg};
        }

        @Override
        void run(final CompiledFeatures c, final long a, final boolean first, final long time) {
            final double w = in < 0 ? 1.0 : c.v[in];
            double value;
            if (first) {
                value = w;
                UnsafeApi.putLong(a + 8, time);
            } else {
                final long at = UnsafeApi.getLong(a + 8);
                value = UnsafeApi.getDouble(a);
                if (time >= at) {
                    value = value * StrictMath.exp(-lambda * (double)(time - at)) + w;
                    UnsafeApi.putLong(a + 8, time);
                } else {
                    value += w * StrictMath.exp(-lambda * (double)(at - time));
                }
            }
            UnsafeApi.putDouble(a, value);
            out.put(c, value);
        }
    }

    /** What a window keeps per bucket (or session). */
    enum CellKind {
        /** count, sum (long for integer inputs, else double), and as needed sum of squares, min, max. */
        MOMENTS,
        /** A bitmap for linear counting and new_value. */
        BITMAP,
        /** HyperLogLog registers, one byte each. */
        HLL
    }

    /** An operator over a window: outputs attached per feature, evaluated before or after the event is added. */
    abstract static class WindowOp extends Op {
        final Window window;
        final CellKind kind;
        /** bits (BITMAP) or precision (HLL). */
        final int param;
        int in = -1;
        boolean inIntegral;
        final List<Aggregation> aggs = new ArrayList<>();
        final List<Boolean> befores = new ArrayList<>();
        final List<Out> outs = new ArrayList<>();
        final List<String> featureNames = new ArrayList<>();
        // flattened for the event path
        Aggregation[] aggArray;
        boolean[] beforeArray;
        Out[] outArray;
        boolean anyBefore;
        boolean needSq;
        boolean needMinMax;
        /** Count and an integer sum are all the outputs need: the running totals answer. */
        boolean totalsSuffice;
        int cellBytes;
        // moments cell offsets
        static final int C_COUNT = 0;
        static final int C_SUM = 8;
        int cSq;
        int cMin;
        int cMax;

        WindowOp(final Window window, final CellKind kind, final int param) {
            this.window = window;
            this.kind = kind;
            this.param = param;
        }

        String inName = "events";

        void setInput(final int input, final boolean integralInput, final String name) {
            inName = name;
            in = input;
            inIntegral = integralInput;
            deps(input);
        }

        void attach(final Aggregation agg, final boolean before, final Out out, final String name) {
            aggs.add(agg);
            befores.add(before);
            outs.add(out);
            featureNames.add(name);
        }

        @Override
        int[] outputs() {
            return outs.stream().mapToInt(o -> o.reg).toArray();
        }

        @Override
        String outputNames() {
            return featureNames.toString();
        }

        void layout() {
            aggArray = aggs.toArray(new Aggregation[0]);
            beforeArray = new boolean[befores.size()];
            for (int i = 0; i < beforeArray.length; i++) {
                beforeArray[i] = befores.get(i);
                anyBefore |= beforeArray[i];
            }
            outArray = outs.toArray(new Out[0]);
            for (final Aggregation a : aggArray) {
                needSq |= a == Aggregation.STDDEV;
                needMinMax |= a == Aggregation.MIN || a == Aggregation.MAX;
            }
            totalsSuffice = !needSq && !needMinMax && (in < 0 || inIntegral) &&
                aggs.stream().allMatch(x -> x == Aggregation.COUNT || x == Aggregation.SUM || x == Aggregation.MEAN);
            switch (kind) {
                case MOMENTS: {
                    int at = 16;
                    if (needSq) {
                        cSq = at;
                        at += 8;
                    }
                    if (needMinMax) {
                        cMin = at;
                        cMax = at + 8;
                        at += 16;
                    }
                    cellBytes = at;
                    break;
                }
                case BITMAP:
                    cellBytes = param / 8;
                    break;
                default:
                    cellBytes = ((1 << param) + 7) & ~7;
                    break;
            }
        }

        abstract int bytes();

        abstract String describe();

        String cellDescription() {
            switch (kind) {
                case MOMENTS:
                    return "count, sum" + (needSq ? ", sum of squares" : "") + (needMinMax ? ", min, max" : "");
                case BITMAP:
                    return param + "-bit bitmap";
                default:
                    return "HLL 2^" + param + " registers";
            }
        }

        /** Adds the event to the cell at {@code cell}; {@code fresh}: the cell holds nothing of the window yet. */
        final void addToCell(final CompiledFeatures c, final long cell, final boolean fresh) {
            switch (kind) {
                case MOMENTS: {
                    final double x = in < 0 ? 0 : c.v[in];
                    if (fresh) {
                        UnsafeApi.putLong(cell + C_COUNT, 1);
                        if (inIntegral) {
                            UnsafeApi.putLong(cell + C_SUM, c.iv[in]);
                        } else {
                            UnsafeApi.putDouble(cell + C_SUM, x);
                        }
                        if (needSq) {
                            UnsafeApi.putDouble(cell + cSq, x * x);
                        }
                        if (needMinMax) {
                            UnsafeApi.putDouble(cell + cMin, x);
                            UnsafeApi.putDouble(cell + cMax, x);
                        }
                    } else {
                        UnsafeApi.putLong(cell + C_COUNT, UnsafeApi.getLong(cell + C_COUNT) + 1);
                        if (inIntegral) {
                            UnsafeApi.putLong(cell + C_SUM, UnsafeApi.getLong(cell + C_SUM) + c.iv[in]);
                        } else {
                            UnsafeApi.putDouble(cell + C_SUM, UnsafeApi.getDouble(cell + C_SUM) + x);
                        }
                        if (needSq) {
                            UnsafeApi.putDouble(cell + cSq, UnsafeApi.getDouble(cell + cSq) + x * x);
                        }
                        if (needMinMax) {
                            UnsafeApi.putDouble(cell + cMin, Math.min(UnsafeApi.getDouble(cell + cMin), x));
                            UnsafeApi.putDouble(cell + cMax, Math.max(UnsafeApi.getDouble(cell + cMax), x));
                        }
                    }
                    return;
                }
                case BITMAP: {
                    if (fresh) {
                        UnsafeApi.setMemory(cell, cellBytes, (byte)0);
                    }
                    final int bit = (int)(mix(inputBits(c)) >>> (64 - Integer.numberOfTrailingZeros(param)));
                    final long word = cell + (bit >>> 6) * 8L;
                    UnsafeApi.putLong(word, UnsafeApi.getLong(word) | (1L << (bit & 63)));
                    return;
                }
                default: {
                    if (fresh) {
                        UnsafeApi.setMemory(cell, cellBytes, (byte)0);
                    }
                    final long h = mix(inputBits(c));
                    final int p = param;
                    final long reg = cell + (h >>> (64 - p));
                    final long w = h << p;
                    final int rank = w == 0 ? 64 - p + 1 : Long.numberOfLeadingZeros(w) + 1;
                    if (rank > UnsafeApi.getByte(reg)) {
                        UnsafeApi.putByte(reg, (byte)rank);
                    }
                }
            }
        }

        final long inputBits(final CompiledFeatures c) {
            return inIntegral ? c.iv[in] : Double.doubleToLongBits(c.v[in]);
        }

        /** Whether the input's bit is set in any of the cells in {@code live} (bit i: cell at base + i·cellBytes). */
        final boolean seen(final CompiledFeatures c, final long base, final long live) {
            final int bit = (int)(mix(inputBits(c)) >>> (64 - Integer.numberOfTrailingZeros(param)));
            final long wordOffset = (bit >>> 6) * 8L;
            final long mask = 1L << (bit & 63);
            long m = live;
            while (m != 0) {
                final int i = Long.numberOfTrailingZeros(m);
                if ((UnsafeApi.getLong(base + (long)i * cellBytes + wordOffset) & mask) != 0) {
                    return true;
                }
                m &= m - 1;
            }
            return false;
        }

        /** Evaluates the outputs (before or after the add) over the cells in {@code live}. */
        final void emit(final CompiledFeatures c, final long base, final long live, final boolean before,
                        final boolean wasSeen) {
            emit(c, base, live, before, wasSeen, false, 0, 0);
        }

        /**
         * @param haveTotals the window's count and (integer input) sum are {@code totalCount}, {@code totalSum}: when
         *                   they are all the outputs need, the buckets are not read.
         */
        final void emit(final CompiledFeatures c, final long base, final long live, final boolean before,
                        final boolean wasSeen, final boolean haveTotals, final long totalCount, final long totalSum) {
            long count = 0;
            long lsum = 0;
            double dsum = 0;
            double sq = 0;
            double min = Double.POSITIVE_INFINITY;
            double max = Double.NEGATIVE_INFINITY;
            if (kind == CellKind.MOMENTS && haveTotals && totalsSuffice) {
                count = totalCount;
                lsum = totalSum;
                dsum = lsum;
            } else if (kind == CellKind.MOMENTS) {
                long m = live;
                while (m != 0) {
                    final long cell = base + (long)Long.numberOfTrailingZeros(m) * cellBytes;
                    count += UnsafeApi.getLong(cell + C_COUNT);
                    if (inIntegral) {
                        lsum += UnsafeApi.getLong(cell + C_SUM);
                    } else {
                        dsum += UnsafeApi.getDouble(cell + C_SUM);
                    }
                    if (needSq) {
                        sq += UnsafeApi.getDouble(cell + cSq);
                    }
                    if (needMinMax) {
                        min = Math.min(min, UnsafeApi.getDouble(cell + cMin));
                        max = Math.max(max, UnsafeApi.getDouble(cell + cMax));
                    }
                    m &= m - 1;
                }
                if (inIntegral) {
                    dsum = lsum;
                }
            }
            final Aggregation[] as = aggArray;
            for (int i = 0; i < as.length; i++) {
                final Aggregation agg = as[i];
                if (beforeArray[i] != before && agg != Aggregation.NEW_VALUE) {
                    continue;
                }
                if (agg == Aggregation.NEW_VALUE && !before) {
                    continue;
                }
                final Out out = outArray[i];
                switch (agg) {
                    case COUNT:
                        out.putLong(c, count);
                        break;
                    case SUM:
                        if (inIntegral) {
                            out.putLong(c, lsum);
                        } else {
                            out.put(c, dsum);
                        }
                        break;
                    case MEAN:
                        out.put(c, count == 0 ? 0.0 : dsum / count);
                        break;
                    case MIN:
                        out.put(c, count == 0 ? 0.0 : min);
                        break;
                    case MAX:
                        out.put(c, count == 0 ? 0.0 : max);
                        break;
                    case STDDEV: {
                        if (count == 0) {
                            out.put(c, 0.0);
                        } else {
                            final double mean = dsum / count;
                            out.put(c, Math.sqrt(Math.max(0.0, sq / count - mean * mean)));
                        }
                        break;
                    }
                    case NEW_VALUE:
                        out.put(c, wasSeen ? 0.0 : 1.0);
                        break;
                    case DISTINCT_BITMAP:
                        out.put(c, linearCount(base, live));
                        break;
                    case DISTINCT:
                        out.put(c, hll(base, live));
                        break;
                    default:
                        throw new IllegalStateException(agg.name());
                }
            }
        }

        private double linearCount(final long base, final long live) {
            final int words = param / 64;
            int zeros = 0;
            for (int w = 0; w < words; w++) {
                long word = 0;
                long m = live;
                while (m != 0) {
                    word |= UnsafeApi.getLong(base + (long)Long.numberOfTrailingZeros(m) * cellBytes + w * 8L);
                    m &= m - 1;
                }
                zeros += Long.bitCount(~word);
            }
            if (zeros == 0) {
                zeros = 1; // saturated: the estimate is a lower bound
            }
            return -param * Math.log((double)zeros / param);
        }

        private double hll(final long base, final long live) {
            final int m = 1 << param;
            double sum = 0;
            int zeros = 0;
            for (int j = 0; j < m; j++) {
                int r = 0;
                long l = live;
                while (l != 0) {
                    r = Math.max(r, UnsafeApi.getByte(base + (long)Long.numberOfTrailingZeros(l) * cellBytes + j));
                    l &= l - 1;
                }
                if (r == 0) {
                    zeros++;
                }
                sum += INVERSE_POWERS[r];
            }
            return Hll.estimate(m, sum, zeros);
        }
    }

    /** 2^-r for register values r. */
    static final double[] INVERSE_POWERS = new double[66];

    static {
        for (int r = 0; r < INVERSE_POWERS.length; r++) {
            INVERSE_POWERS[r] = Math.scalb(1.0, -r);
        }
    }

    /**
     * A ring of buckets (sliding/hopping: size/step buckets of step; tumbling: one bucket of size; since_first_seen:
     * one bucket that never ends). A bucket's index is {@code floorDiv(t, step)}; with the key's latest bucket B the
     * window holds buckets B-n+1 .. B. An event in an older bucket is not added (too late) and reads the window at B.
     * Buckets leaving the window are dropped by clearing their bit in the live mask, not their bytes.
     */
    static final class RingOp extends WindowOp {
        private static final int HEAD = 0;
        private static final int LIVE = 8;
        /** Running count and integer sum of the live buckets (moments with an integer input or none). */
        private static final int TOTAL_COUNT = 16;
        private static final int TOTAL_SUM = 24;
        private static final int CELLS = 32;
        private final int n;
        private final long step;
        private final boolean forever;
        private final long all;
        // the bucket of the latest time asked, kept while times fall in it (consecutive events share buckets)
        private long cacheStart = 1;
        private long cacheEnd = 0;
        private long cacheBucket;
        private int cacheSlot;

        RingOp(final Window w, final CellKind kind, final int param) {
            super(w, kind, param);
            this.n = w.buckets();
            this.step = w.stepNs();
            this.forever = w.type() == WindowType.SINCE_FIRST_SEEN;
            this.all = n == 64 ? -1L : (1L << n) - 1;
        }

        @Override
        int bytes() {
            return CELLS + n * cellBytes;
        }

        @Override
        String describe() {
            return "window " + window.name() + " (" + window.type().name().toLowerCase(java.util.Locale.ROOT) + ", " + n +
                " x " + cellBytes + " B: " + cellDescription() + ") of " + inName + ": " +
                String.join(", ", featureNames);
        }

        private long bucket(final long t) {
            if (forever) {
                cacheSlot = 0;
                return 0;
            }
            if (t < cacheStart || t >= cacheEnd) {
                cacheBucket = Math.floorDiv(t, step);
                cacheSlot = (int)Math.floorMod(cacheBucket, (long)n);
                final long start = cacheBucket * step;
                if (Math.multiplyHigh(cacheBucket, step) != start >> 63) {
                    cacheStart = 1;
                    cacheEnd = 0;
                } else {
                    cacheStart = start;
                    cacheEnd = start > Long.MAX_VALUE - step ? Long.MAX_VALUE : start + step;
                }
            }
            return cacheBucket;
        }

        @Override
        void run(final CompiledFeatures c, final long a, final boolean first, final long time) {
            final long bucket = bucket(time);
            final int slot = cacheSlot;
            final long base = a + CELLS;
            final boolean moments = kind == CellKind.MOMENTS;
            long head;
            long live;
            long totalCount;
            long totalSum;
            if (first) {
                head = bucket;
                live = 0;
                totalCount = 0;
                totalSum = 0;
            } else {
                head = UnsafeApi.getLong(a + HEAD);
                live = UnsafeApi.getLong(a + LIVE);
                totalCount = UnsafeApi.getLong(a + TOTAL_COUNT);
                totalSum = UnsafeApi.getLong(a + TOTAL_SUM);
                if (bucket > head) {
                    final long advance = bucket - head;
                    if (advance >= n) {
                        live = 0;
                        totalCount = 0;
                        totalSum = 0;
                    } else {
                        final long expiring = live & expiring((int)Math.floorMod(head + 1, (long)n), (int)advance);
                        if (moments) {
                            long m = expiring;
                            while (m != 0) {
                                final long cell = base + (long)Long.numberOfTrailingZeros(m) * cellBytes;
                                totalCount -= UnsafeApi.getLong(cell + C_COUNT);
                                if (inIntegral) {
                                    totalSum -= UnsafeApi.getLong(cell + C_SUM);
                                }
                                m &= m - 1;
                            }
                        }
                        live &= ~expiring;
                    }
                    head = bucket;
                }
            }
            UnsafeApi.putLong(a + HEAD, head);
            final boolean tooLate = head - bucket >= n;
            final boolean wasSeen = kind == CellKind.BITMAP && seen(c, base, live);
            final boolean fast = moments && totalsSuffice;
            if (anyBefore || kind == CellKind.BITMAP) {
                if (fast) {
                    emitTotals(c, true, totalCount, totalSum);
                } else {
                    emit(c, base, live, true, wasSeen, true, totalCount, totalSum);
                }
            }
            if (!tooLate) {
                final long bit = 1L << slot;
                addToCell(c, base + (long)slot * cellBytes, (live & bit) == 0);
                live |= bit;
                if (moments) {
                    totalCount++;
                    totalSum += inIntegral ? c.iv[in] : 0;
                }
            }
            UnsafeApi.putLong(a + LIVE, live);
            UnsafeApi.putLong(a + TOTAL_COUNT, totalCount);
            UnsafeApi.putLong(a + TOTAL_SUM, totalSum);
            if (fast) {
                emitTotals(c, false, totalCount, totalSum);
            } else {
                emit(c, base, live, false, wasSeen, true, totalCount, totalSum);
            }
        }

        /** The outputs when the running count and integer sum are all they need (small, for the JIT to inline). */
        private void emitTotals(final CompiledFeatures c, final boolean before, final long count, final long sum) {
            final Aggregation[] as = aggArray;
            for (int i = 0; i < as.length; i++) {
                if (beforeArray[i] != before) {
                    continue;
                }
                final Aggregation agg = as[i];
                final Out out = outArray[i];
                if (agg == Aggregation.COUNT) {
                    out.putLong(c, count);
                } else if (agg == Aggregation.SUM) {
                    out.putLong(c, sum);
                } else {
                    out.put(c, count == 0 ? 0.0 : (double)sum / count);
                }
            }
        }

        /** The mask of {@code count} (1..n-1) consecutive buckets from {@code from}, wrapping at n. */
        private long expiring(final int from, final int count) {
            final int end = from + count;
            if (end <= n) {
                return count == 64 ? -1L : ((1L << count) - 1) << from;
            }
            return (all & (-1L << from)) | ((1L << (end - n)) - 1);
        }
    }

    /**
     * Session windows: events less than {@code gap} apart (in event time) form one session; the outputs are those of
     * the key's current (latest) session. It keeps the current and the previous session: an event at least
     * {@code gap} after the current session's end starts a new one (the current becomes the previous); a late event
     * within {@code gap} of the current session joins it, and when the session then comes within {@code gap} of the
     * previous one, the two merge; a late event within {@code gap} of only the previous session joins that one; an
     * older event is not added (too late).
     */
    static final class SessionOp extends WindowOp {
        private static final int CUR_START = 0;
        private static final int CUR_END = 8;
        private static final int PREV_START = 16;
        private static final int PREV_END = 24;
        private static final int HAS_PREV = 32;
        private static final int CELLS = 40;
        private final long gap;

        SessionOp(final Window w, final CellKind kind, final int param) {
            super(w, kind, param);
            this.gap = w.gapNs();
        }

        @Override
        int bytes() {
            return CELLS + 2 * cellBytes;
        }

        @Override
        String describe() {
            return "window " + window.name() + " (session, current and previous: 2 x " + cellBytes + " B: " + cellDescription() +
                ") of " + inName + ": " + String.join(", ", featureNames);
        }

        @Override
        void run(final CompiledFeatures c, final long a, final boolean first, final long time) {
            final long cur = a + CELLS;
            final long prev = cur + cellBytes;
            if (first) {
                UnsafeApi.putLong(a + CUR_START, time);
                UnsafeApi.putLong(a + CUR_END, time);
                UnsafeApi.putLong(a + HAS_PREV, 0);
                final boolean wasSeen = false;
                if (kind == CellKind.BITMAP) {
                    emit(c, cur, 0, true, wasSeen);
                }
                addToCell(c, cur, true);
                emit(c, cur, 1, false, wasSeen);
                return;
            }
            final long start = UnsafeApi.getLong(a + CUR_START);
            final long end = UnsafeApi.getLong(a + CUR_END);
            boolean wasSeen = false;
            if (time - end >= gap) {
                // a new session; the current one becomes the previous (its cell is swapped by copying)
                UnsafeApi.copyMemory(cur, prev, cellBytes);
                UnsafeApi.putLong(a + PREV_START, start);
                UnsafeApi.putLong(a + PREV_END, end);
                UnsafeApi.putLong(a + HAS_PREV, 1);
                UnsafeApi.putLong(a + CUR_START, time);
                UnsafeApi.putLong(a + CUR_END, time);
                if (kind == CellKind.BITMAP) {
                    emit(c, cur, 0, true, false);
                }
                addToCell(c, cur, true);
            } else if (start - time < gap) {
                if (kind == CellKind.BITMAP) {
                    wasSeen = seen(c, cur, 1);
                    emit(c, cur, 1, true, wasSeen);
                }
                addToCell(c, cur, false);
                long newStart = Math.min(start, time);
                UnsafeApi.putLong(a + CUR_END, Math.max(end, time));
                if (UnsafeApi.getLong(a + HAS_PREV) != 0 && newStart - UnsafeApi.getLong(a + PREV_END) < gap) {
                    // the late event bridged the gap to the previous session: merge it into the current one
                    mergeInto(cur, prev);
                    newStart = Math.min(newStart, UnsafeApi.getLong(a + PREV_START));
                    UnsafeApi.putLong(a + HAS_PREV, 0);
                }
                UnsafeApi.putLong(a + CUR_START, newStart);
            } else {
                if (kind == CellKind.BITMAP) {
                    wasSeen = seen(c, cur, 1);
                    emit(c, cur, 1, true, wasSeen);
                }
                if (UnsafeApi.getLong(a + HAS_PREV) != 0 && time - UnsafeApi.getLong(a + PREV_END) < gap &&
                    UnsafeApi.getLong(a + PREV_START) - time < gap) {
                    addToCell(c, prev, false);
                    UnsafeApi.putLong(a + PREV_START, Math.min(UnsafeApi.getLong(a + PREV_START), time));
                    UnsafeApi.putLong(a + PREV_END, Math.max(UnsafeApi.getLong(a + PREV_END), time));
                }
            }
            emit(c, cur, 1, false, wasSeen);
        }

        private void mergeInto(final long dst, final long src) {
            switch (kind) {
                case MOMENTS:
                    UnsafeApi.putLong(dst + C_COUNT, UnsafeApi.getLong(dst + C_COUNT) + UnsafeApi.getLong(src + C_COUNT));
                    if (inIntegral) {
                        UnsafeApi.putLong(dst + C_SUM, UnsafeApi.getLong(dst + C_SUM) + UnsafeApi.getLong(src + C_SUM));
                    } else {
                        UnsafeApi.putDouble(dst + C_SUM, UnsafeApi.getDouble(dst + C_SUM) + UnsafeApi.getDouble(src + C_SUM));
                    }
                    if (needSq) {
                        UnsafeApi.putDouble(dst + cSq, UnsafeApi.getDouble(dst + cSq) + UnsafeApi.getDouble(src + cSq));
                    }
                    if (needMinMax) {
                        UnsafeApi.putDouble(dst + cMin, Math.min(UnsafeApi.getDouble(dst + cMin), UnsafeApi.getDouble(src + cMin)));
                        UnsafeApi.putDouble(dst + cMax, Math.max(UnsafeApi.getDouble(dst + cMax), UnsafeApi.getDouble(src + cMax)));
                    }
                    return;
                case BITMAP:
                    for (int w = 0; w < cellBytes; w += 8) {
                        UnsafeApi.putLong(dst + w, UnsafeApi.getLong(dst + w) | UnsafeApi.getLong(src + w));
                    }
                    return;
                default:
                    for (int j = 0; j < cellBytes; j++) {
                        final byte s = UnsafeApi.getByte(src + j);
                        if (s > UnsafeApi.getByte(dst + j)) {
                            UnsafeApi.putByte(dst + j, s);
                        }
                    }
            }
        }
    }

    /** The finaliser of MurmurHash3's 64-bit hash (public-domain constants), as TransactionFeatures uses. */
    static long mix(final long value) {
        long h = value;
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9fe1a85ec53L;
        h ^= h >>> 33;
        return h;
    }
}
