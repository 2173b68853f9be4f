package io.vigil.engine;

import io.vigil.codecs.sbe.MessageHeaderDecoder;
import io.vigil.codecs.sbe.TransactionDecoder;
import io.vigil.scoring.features.FeatureSet;
import io.vigil.scoring.features.SingleWriterFeatureTable;
import io.vigil.scoring.features.TransactionFeatures;
import io.vigil.scoring.features.spec.CompiledFeatures;
import io.vigil.scoring.features.spec.FeatureEvent;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;

/**
 * Updates the per-account transaction features, writes the event's feature vector into the slot and publishes it,
 * with the event's input index and event time, to the {@linkplain #published() served table} that readers on other
 * threads (HTTP, RESP) read without touching this stage's state (docs/feature-serving.md). The features are computed
 * by the hand-written {@link TransactionFeatures} (the built-in default definition), or by a feature definition file
 * compiled ({@link CompiledFeatures}, {@code vigil.features.spec}): any definition, of any width; the vector's names
 * are {@link #featureSet()}'s. Checkpoint section {@link #SECTION_ID}, version {@value #SECTION_VERSION}: the running
 * feature set's hash (checked on read: a checkpoint of another definition is refused naming both hashes), then the
 * executor's snapshot ({@link TransactionFeatures#writeSnapshot}, which also checks its own feature-set version, or
 * {@link CompiledFeatures#writeSnapshot}, which also checks the definition's hash), then (version 3) the served table's
 * rows ({@link SingleWriterFeatureTable#writeRows}; none when serving is off), so that a restarted engine serves every
 * key it served before, not only the keys with an event since the checkpoint. Version 1 sections (written before the
 * hash was added) are read without it, versions 1 and 2 without served rows. Not thread-safe; allocation-free per event (new accounts grow the
 * tables).
 */
final class FeaturesStage implements Stage {
    /** Checkpoint section of the transaction features. */
    static final int SECTION_ID = 1;
    static final int SECTION_VERSION = 3;
    /** Version 2's header: this magic, then the hash's length and its ASCII bytes. */
    private static final int HASH_MAGIC = 0x56464831; // "VFH1"

    private final TransactionFeatures features;
    private final CompiledFeatures compiled;
    private final SingleWriterFeatureTable published;
    private final FeatureSet featureSet;
    private final byte[] hashHeader;
    private final FeatureEvent event = new FeatureEvent();
    private final MessageHeaderDecoder header = new MessageHeaderDecoder();
    private final TransactionDecoder transaction = new TransactionDecoder();

    /** With a served table of its own (tests). */
    FeaturesStage(final TransactionFeatures features) {
        this(features, servedTable());
    }

    /** @param published the served table; null to publish nothing ({@code vigil.features.serve=false}). */
    FeaturesStage(final TransactionFeatures features, final SingleWriterFeatureTable published) {
        this.features = features;
        this.compiled = null;
        this.featureSet = FeatureSet.defaultSet();
        this.published = checkWidth(published, featureSet);
        this.hashHeader = hashHeader(featureSet.hash());
    }

    /**
     * With a compiled definition of any width ({@link EngineContext#featureSpec()}).
     *
     * @param published the served table; null to publish nothing ({@code vigil.features.serve=false}).
     */
    FeaturesStage(final CompiledFeatures compiled, final SingleWriterFeatureTable published) {
        this.features = null;
        this.compiled = compiled;
        this.featureSet = FeatureSet.of(compiled.spec());
        this.published = checkWidth(published, featureSet);
        this.hashHeader = hashHeader(featureSet.hash());
    }

    /** With a compiled definition and a served table of its own (tests). */
    FeaturesStage(final CompiledFeatures compiled) {
        this(compiled, servedTable(FeatureSet.of(compiled.spec()), 16));
    }

    private static SingleWriterFeatureTable servedTable() {
        return servedTable(FeatureSet.defaultSet(), 16);
    }

    /** A served table for {@code set}'s vectors (its version and names), pre-sized for {@code expectedKeys}. */
    static SingleWriterFeatureTable servedTable(final FeatureSet set, final long expectedKeys) {
        return new SingleWriterFeatureTable(set.version(), set.hash(), set.names(), expectedKeys);
    }

    private static SingleWriterFeatureTable checkWidth(final SingleWriterFeatureTable published, final FeatureSet set) {
        if (published != null && !published.names().equals(set.names())) {
            throw new IllegalArgumentException("the served table has the features " + published.names() + ", the stage " +
                "computes " + set.names());
        }
        return published;
    }

    private static byte[] hashHeader(final String hash) {
        final byte[] ascii = hash.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        return ByteBuffer.allocate(8 + ascii.length).putInt(HASH_MAGIC).putInt(ascii.length).put(ascii).array();
    }

    /** @return the feature set the stage computes: its names in vector order, its hash. */
    FeatureSet featureSet() {
        return featureSet;
    }

    /** The accounts' latest feature vectors, for readers on any thread; null when not served. */
    SingleWriterFeatureTable published() {
        return published;
    }

    /** @return the hand-written executor, null when a compiled definition runs. */
    TransactionFeatures features() {
        return features;
    }

    /** @return keys with feature state (accounts, or all entity keys of a compiled definition). */
    long keys() {
        return features != null ? features.accounts() : compiled.keys();
    }

    /** @return the content hash of the definition the stage computes. */
    String featureSetHash() {
        return featureSet.hash();
    }

    @Override
    public String name() {
        return "features";
    }

    @Override
    public void onEvent(final EventSlot slot) {
        if (slot.templateId != TransactionDecoder.TEMPLATE_ID) {
            return;
        }
        final TransactionDecoder tx = transaction.wrapAndApplyHeader(slot.input.payload(), 0, header.wrap(slot.input.payload(), 0));
        final long accountId = tx.accountId();
        final long eventTimeNs = tx.eventTimeNs();
        long slotHint = -1;
        if (compiled != null) {
            compiled.onEvent(event.set(slot.input.tenantId, tx), slot.features, 0);
        } else {
            features.onTransaction(slot.input.tenantId, accountId, tx.merchantId(), tx.mcc(), tx.amountMinor(),
                tx.channelRaw(), eventTimeNs, slot.features, 0);
            slotHint = features.lastSlot();
        }
        if (published != null) {
            published.publish(slot.input.tenantId, accountId, slotHint, slot.features, 0, slot.input.index, eventTimeNs);
        }
        if (slot.timed) {
            slot.featuresNs = System.nanoTime();
        }
    }

    @Override
    public int sectionId() {
        return SECTION_ID;
    }

    @Override
    public int sectionVersion() {
        return SECTION_VERSION;
    }

    @Override
    public void writeSection(final WritableByteChannel out) throws IOException {
        writeHeader(out);
        if (compiled != null) {
            compiled.writeSnapshot(out);
        } else {
            features.writeSnapshot(out);
        }
        writeServed(out, servedRows());
    }

    /** Rows of the served table a checkpoint holds: its keys now (the pipeline thread, at the capture). */
    private long servedRows() {
        return published == null ? 0 : published.size();
    }

    private long servedBytes(final long rows) {
        return published == null ? SingleWriterFeatureTable.noRowsBytes() : published.rowsBytes(rows);
    }

    private void writeServed(final WritableByteChannel out, final long rows) throws IOException {
        if (published == null) {
            SingleWriterFeatureTable.writeNoRows(out, featureSet.names().size());
        } else {
            published.writeRows(out, rows);
        }
    }

    /** A copy-on-write snapshot: O(accounts / 32) here, the slots are copied by the checkpoint thread. */
    @Override
    public SectionImage captureSection() {
        final long rows = servedRows();
        if (compiled != null) {
            final CompiledFeatures.Snapshot snapshot = compiled.beginSnapshot();
            return new SectionImage() {
                @Override
                public long length() {
                    return hashHeader.length + snapshot.bytes() + servedBytes(rows);
                }

                @Override
                public void writeTo(final WritableByteChannel out) throws IOException {
                    writeHeader(out);
                    snapshot.writeTo(out);
                    writeServed(out, rows);
                }

                @Override
                public void close() {
                    snapshot.close();
                }
            };
        }
        final TransactionFeatures.Snapshot snapshot = features.beginSnapshot();
        return new SectionImage() {
            @Override
            public long length() {
                return hashHeader.length + snapshot.bytes() + servedBytes(rows);
            }

            @Override
            public void writeTo(final WritableByteChannel out) throws IOException {
                writeHeader(out);
                snapshot.writeTo(out);
                writeServed(out, rows);
            }

            @Override
            public void close() {
                snapshot.close();
            }
        };
    }

    @Override
    public void readSection(final int version, final ReadableByteChannel in) throws IOException {
        if (version < 1 || version > SECTION_VERSION) {
            throw new IOException("features section version " + version + ", this engine reads 1 to " + SECTION_VERSION);
        }
        if (published != null) {
            published.clearBeforeReaders(); // a restore replaces what a failed one may have published
        }
        if (version >= 2) {
            final ByteBuffer head = ByteBuffer.allocate(8);
            readFully(in, head);
            final int length = head.getInt(4);
            if (head.getInt(0) != HASH_MAGIC || length < 0 || length > 256) {
                throw new IOException("features section: no feature set hash header");
            }
            final ByteBuffer hash = ByteBuffer.allocate(length);
            readFully(in, hash);
            final String written = new String(hash.array(), java.nio.charset.StandardCharsets.US_ASCII);
            if (!written.equals(featureSet.hash())) {
                throw new IOException("features section of the feature set with hash " + written + ", the engine computes " +
                    featureSet.describe() + ", hash " + featureSet.hash());
            }
        }
        if (compiled != null) {
            compiled.readSnapshot(in);
        } else {
            features.readSnapshot(in);
        }
        if (version >= 3) {
            SingleWriterFeatureTable.readRows(in, published, featureSet.names().size());
        }
    }

    private void writeHeader(final WritableByteChannel out) throws IOException {
        final ByteBuffer b = ByteBuffer.wrap(hashHeader);
        while (b.hasRemaining()) {
            out.write(b);
        }
    }

    private static void readFully(final ReadableByteChannel in, final ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            if (in.read(b) < 0) {
                throw new IOException("features section ends early");
            }
        }
        b.flip();
    }

    @Override
    public void clearState() throws IOException {
        if (published != null) {
            published.clearBeforeReaders();
        }
        final SnapshotChannel scratch = new SnapshotChannel(ByteBuffer.allocate(1 << 16));
        if (compiled != null) {
            CompiledFeatures.compile(compiled.spec(), 1).writeSnapshot(scratch);
            scratch.flip();
            compiled.readSnapshot(scratch);
            return;
        }
        new TransactionFeatures(1).writeSnapshot(scratch);
        scratch.flip();
        features.readSnapshot(scratch);
    }
}
