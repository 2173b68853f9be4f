package io.vigil.engine;

import io.vigil.codecs.sbe.MessageHeaderDecoder;
import io.vigil.codecs.sbe.TransactionDecoder;
import io.vigil.scoring.features.SingleWriterFeatureTable;
import io.vigil.scoring.features.TransactionFeatures;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;

/**
 * Updates the per-account transaction features, writes the event's feature vector into the slot and publishes it,
 * with the event's input index and event time, to the {@linkplain #published() served table} that readers on other
 * threads (HTTP, RESP) read without touching this stage's state (docs/feature-serving.md). Checkpoint
 * section {@link #SECTION_ID}: {@link TransactionFeatures#writeSnapshot} (which checks its own feature-set version
 * on read). Not thread-safe; allocation-free per event (new accounts grow the table).
 */
final class FeaturesStage implements Stage {
    /** Checkpoint section of the transaction features. */
    static final int SECTION_ID = 1;
    static final int SECTION_VERSION = 1;

    private final TransactionFeatures features;
    private final SingleWriterFeatureTable published;
    private final MessageHeaderDecoder header = new MessageHeaderDecoder();
    private final TransactionDecoder transaction = new TransactionDecoder();

    /** With a served table of its own (tests). */
    FeaturesStage(final TransactionFeatures features) {
        this(features, new SingleWriterFeatureTable(TransactionFeatures.VERSION, TransactionFeatures.NAMES, 16));
    }

    /** @param published the served table; null to publish nothing ({@code vigil.features.serve=false}). */
    FeaturesStage(final TransactionFeatures features, final SingleWriterFeatureTable published) {
        if (published != null && published.width() != TransactionFeatures.WIDTH) {
            throw new IllegalArgumentException("the served table is " + published.width() + " wide, the features " +
                TransactionFeatures.WIDTH);
        }
        this.features = features;
        this.published = published;
    }

    TransactionFeatures features() {
        return features;
    }

    /** The accounts' latest feature vectors, for readers on any thread; null when not served. */
    SingleWriterFeatureTable published() {
        return published;
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
        features.onTransaction(slot.input.tenantId, accountId, tx.merchantId(), tx.mcc(), tx.amountMinor(), tx.channelRaw(),
            eventTimeNs, slot.features, 0);
        if (published != null) {
            published.publish(slot.input.tenantId, accountId, features.lastSlot(), slot.features, 0, slot.input.index,
                eventTimeNs);
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
        features.writeSnapshot(out);
    }

    /** A copy-on-write snapshot: O(accounts / 32) here, the slots are copied by the checkpoint thread. */
    @Override
    public SectionImage captureSection() {
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
        features.readSnapshot(in);
    }

    @Override
    public void clearState() throws IOException {
        final SnapshotChannel scratch = new SnapshotChannel(ByteBuffer.allocate(1 << 16));
        new TransactionFeatures(1).writeSnapshot(scratch);
        scratch.flip();
        features.readSnapshot(scratch);
    }
}
