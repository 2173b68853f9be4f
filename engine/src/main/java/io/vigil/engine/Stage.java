package io.vigil.engine;

import java.io.IOException;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;

/**
 * One step of the {@link Pipeline}: validate, features, anomaly, model, rules, output, in that order (later issues add
 * more). The pipeline calls every stage on the one pipeline thread, in list order.
 *
 * <h2>Event flow</h2>
 * The stages form segments separated by {@linkplain #barrier() barriers}. Each event arriving passes
 * {@link #onEvent} of every stage of the first segment. At the end of a batch (the Disruptor batch, or a full
 * inference batch), the first segment's stages get {@link #onBatchEnd}, in order; then every event of the batch, in
 * order, passes {@link #onEvent} of the next segment's stages, which get their {@link #onBatchEnd}, and so on. The
 * model stage is a barrier: it stages rows per event and runs one inference per batch, and the stages after it
 * (rules, output) see each event once its score is known.
 *
 * <p>An event rejected by a stage ({@link EventSlot#rejectReason} set) is not given to later stages unless they
 * {@linkplain #seesRejected() ask for it} (output answers it). An exception thrown by {@link #onEvent} answers that
 * event with {@code INTERNAL_ERROR} (see {@link Pipeline}); one thrown by {@link #onBatchEnd} or
 * {@link #onControl} is counted and logged, and the pipeline goes on.
 *
 * <h2>Control records</h2>
 * A control record in the input journal reaches {@link #onControl} of every stage, after every event before it
 * completed and before any event after it is staged, live and in replay alike.
 *
 * <h2>Checkpoint section</h2>
 * A stage with state owns one section of each checkpoint ({@link #sectionId()} non-zero, unique in the pipeline),
 * writes it with {@link #writeSection} and reads it back with {@link #readSection}; the {@link CheckpointStore}
 * frames sections (id, version, length, CRC) and never looks inside. The pipeline thread only
 * {@linkplain #captureSection() captures} a section at a batch boundary; the checkpoint thread writes it while
 * events go on. By default a capture is a {@link #writeSection} into memory, which is right for small state; a
 * stage with much state captures a copy-on-write snapshot instead (the features stage).
 *
 * <p>Implementations are not thread-safe: owned by the pipeline thread. {@link #onEvent}, {@link #onBatchEnd} must
 * not allocate in steady state; the checkpoint and control methods may.
 */
public interface Stage {
    /** {@link #sectionId()} of a stage without state. */
    int NO_SECTION = 0;

    /** Short name for logs and error texts ("features"). */
    String name();

    /** Handles one event; see the class comment for when. */
    void onEvent(EventSlot slot);

    /**
     * End of a batch: each of {@code batch[0 .. count)} has passed this stage's {@link #onEvent} (or was skipped as
     * rejected). Batch-level work (inference) goes here. The slots stay valid until the pipeline's flush returns.
     */
    default void onBatchEnd(EventSlot[] batch, int count) {
    }

    /** True when later stages must see a batch's events only after this stage's {@link #onBatchEnd}. */
    default boolean barrier() {
        return false;
    }

    /** True when the stage also gets events an earlier stage rejected (the output stage answers them). */
    default boolean seesRejected() {
        return false;
    }

    /** A control record reached the pipeline; the flyweight is valid during the call only. */
    default void onControl(ControlRecord control) {
    }

    /** Checkpoint section id, unique in the pipeline; {@link #NO_SECTION} when the stage keeps no state. */
    default int sectionId() {
        return NO_SECTION;
    }

    /** Version of the section layout {@link #writeSection} writes. */
    default int sectionVersion() {
        return 0;
    }

    /** Writes the stage's state at a batch boundary (nothing staged). */
    default void writeSection(WritableByteChannel out) throws IOException {
    }

    /**
     * Fixes the stage's state as it is now, at a batch boundary (nothing staged), for writing by another thread while
     * this one goes on; the bytes written must be those {@link #writeSection} would write now. Pipeline thread. The
     * default copies {@link #writeSection} into a heap buffer.
     */
    default SectionImage captureSection() throws IOException {
        final SnapshotChannel buffer = new SnapshotChannel(java.nio.ByteBuffer.allocate(4096));
        writeSection(buffer);
        buffer.flip();
        return SectionImage.of(buffer.buffer());
    }

    /**
     * Replaces the stage's state with a section written by {@link #writeSection} (maybe by an older build).
     *
     * @throws IOException when the version or the bytes cannot be read: the checkpoint is passed over and the
     *                     state rebuilt from the journal.
     */
    default void readSection(int version, ReadableByteChannel in) throws IOException {
    }

    /** Empties the state (a restore failed half-way, or no checkpoint could be used). */
    default void clearState() throws IOException {
    }
}
