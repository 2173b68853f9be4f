package io.vigil.engine;

import io.vigil.codecs.sbe.MessageHeaderDecoder;
import io.vigil.codecs.sbe.TransactionDecoder;
import io.vigil.scoring.features.SingleWriterFeatureTable;
import io.vigil.scoring.features.TransactionFeatures;
import io.vigil.scoring.features.spec.CompiledFeatures;
import io.vigil.scoring.features.spec.FeatureEvent;
import io.vigil.scoring.features.spec.FeatureSpec;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;

/**
 * Updates the per-account transaction features, writes the event's feature vector into the slot and publishes it,
 * with the event's input index and event time, to the {@linkplain #published() served table} that readers on other
 * threads (HTTP, RESP) read without touching this stage's state (docs/feature-serving.md). The features are computed
 * by the hand-written {@link TransactionFeatures} (the built-in default definition), or by a feature definition file
 * compiled ({@link CompiledFeatures}, {@code vigil.features.spec}). Checkpoint section {@link #SECTION_ID}: the
 * executor's snapshot ({@link TransactionFeatures#writeSnapshot}, which checks its own feature-set version on read, or
 * {@link CompiledFeatures#writeSnapshot}, which checks the definition's hash). Not thread-safe; allocation-free per
 * event (new accounts grow the tables).
 */
final class FeaturesStage implements Stage {
    /** Checkpoint section of the transaction features. */
    static final int SECTION_ID = 1;
    static final int SECTION_VERSION = 1;

    private final TransactionFeatures features;
    private final CompiledFeatures compiled;
    private final SingleWriterFeatureTable published;
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
        this.published = checkWidth(published);
    }

    /**
     * With a compiled definition that emits the default's features ({@link EngineContext#featureSpec()}).
     *
     * @param published the served table; null to publish nothing ({@code vigil.features.serve=false}).
     */
    FeaturesStage(final CompiledFeatures compiled, final SingleWriterFeatureTable published) {
        if (compiled.width() != TransactionFeatures.WIDTH) {
            throw new IllegalArgumentException("feature definition of width " + compiled.width() + ", the pipeline takes " +
                TransactionFeatures.WIDTH);
        }
        this.features = null;
        this.compiled = compiled;
        this.published = checkWidth(published);
    }

    /** With a compiled definition and a served table of its own (tests). */
    FeaturesStage(final CompiledFeatures compiled) {
        this(compiled, servedTable());
    }

    private static SingleWriterFeatureTable servedTable() {
        return new SingleWriterFeatureTable(TransactionFeatures.VERSION, TransactionFeatures.NAMES, 16);
    }

    private static SingleWriterFeatureTable checkWidth(final SingleWriterFeatureTable published) {
        if (published != null && published.width() != TransactionFeatures.WIDTH) {
            throw new IllegalArgumentException("the served table is " + published.width() + " wide, the features " +
                TransactionFeatures.WIDTH);
        }
        return published;
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
        return compiled != null ? compiled.hash() : FeatureSpec.defaultHash();
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
        slot.featuresNs = System.nanoTime();
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
        if (compiled != null) {
            compiled.writeSnapshot(out);
        } else {
            features.writeSnapshot(out);
        }
    }

    /** A copy-on-write snapshot: O(accounts / 32) here, the slots are copied by the checkpoint thread. */
    @Override
    public SectionImage captureSection() {
        if (compiled != null) {
            final CompiledFeatures.Snapshot snapshot = compiled.beginSnapshot();
            return new SectionImage() {
                @Override
                public long length() {
                    return snapshot.bytes();
                }

                @Override
                public void writeTo(final WritableByteChannel out) throws IOException {
                    snapshot.writeTo(out);
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
                return snapshot.bytes();
            }

            @Override
            public void writeTo(final WritableByteChannel out) throws IOException {
                snapshot.writeTo(out);
            }

            @Override
            public void close() {
                snapshot.close();
            }
        };
    }

    @Override
    public void readSection(final int version, final ReadableByteChannel in) throws IOException {
        if (version != SECTION_VERSION) {
            throw new IOException("features section version " + version + ", this engine reads " + SECTION_VERSION);
        }
        if (compiled != null) {
            compiled.readSnapshot(in);
        } else {
            features.readSnapshot(in);
        }
    }

    @Override
    public void clearState() throws IOException {
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
