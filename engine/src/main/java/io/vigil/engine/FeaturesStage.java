package io.vigil.engine;

import io.vigil.codecs.sbe.MessageHeaderDecoder;
import io.vigil.codecs.sbe.TransactionDecoder;
import io.vigil.scoring.features.TransactionFeatures;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;

/**
 * Updates the per-account transaction features and writes the event's feature vector into the slot. Checkpoint
 * section {@link #SECTION_ID}: {@link TransactionFeatures#writeSnapshot} (which checks its own feature-set version
 * on read). Not thread-safe; allocation-free per event (new accounts grow the table).
 */
final class FeaturesStage implements Stage {
    /** Checkpoint section of the transaction features. */
    static final int SECTION_ID = 1;
    static final int SECTION_VERSION = 1;

    private final TransactionFeatures features;
    private final MessageHeaderDecoder header = new MessageHeaderDecoder();
    private final TransactionDecoder transaction = new TransactionDecoder();

    FeaturesStage(final TransactionFeatures features) {
        this.features = features;
    }

    TransactionFeatures features() {
        return features;
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
        features.onTransaction(slot.input.tenantId, tx.accountId(), tx.merchantId(), tx.mcc(), tx.amountMinor(), tx.channelRaw(),
            tx.eventTimeNs(), slot.features, 0);
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
